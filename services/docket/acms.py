"""A case as ACMS's case API serves it (JSON) → an ``AcmsCase`` ready to import, or one error.

Everything is checked here, before anything is written: a file that is not what ACMS serves
is refused whole (``AcmsFormatError`` naming the field), so an import never half-writes a case.

What each field becomes:
- ``caseDetails.caseNumber`` the case number, kept (``26-1234`` or legacy ``21-70123``);
  ``name`` the title (``shortCaption`` when ``name`` is empty); ``caseType`` the case type
  (Immigration, Agency, Civil, Criminal, Social Security); ``caseSubType`` kept as ACMS wrote
  it; ``feeStatus`` the fee status (empty: not recorded); ``receivedDate`` the day the case is
  counted as opened (``caseOpened`` when no receivedDate); ``aNumber`` the alien number (court
  staff and counsel only); ``districtCourtName`` (else ``court.name``) the origin;
  ``partyAttorneyList`` the parties and their counsel (``acms_html.parties_of``).
- ``docketInfo.isCaseSealed``: every entry is imported sealed (court staff only).
- each of ``docketInfo.docketEntries``: ``entryNumber`` kept (gaps allowed, no duplicates);
  ``docketEntryText`` as plain text without its ``[Entered: MM/DD/YYYY hh:mm AM]`` stamp;
  ``createdOn`` the filed time; the stamp the entered time (``createdOn`` when there is none);
  ``restrictedPartyFilingDocketEntry`` imports the entry sealed; ``documentCount`` and
  ``pageCount`` are kept as ACMS's counts (the JSON carries no documents, so there is nothing
  to open here). ``endDate`` and ``restrictedDocsAvailable`` are checked but not kept.

Times without an offset are court-local (ACMS shows Pacific time) and stored in UTC; an
ambiguous time at the end of daylight saving time is read as the first (daylight) one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.common.court import is_case_number, is_docket_year
from services.common.text import first_refused
from services.docket import acms_html
from services.docket.acms_html import one_line
from services.docket.fees import FEE_STATUSES

MAX_ENTRIES = 20_000
MAX_TEXT = 10_000
CASE_TYPES = {
    "immigration": "immigration",
    "agency": "agency",
    "civil": "civil",
    "criminal": "criminal",
    "social security": "social_security",
}
_ENTERED = re.compile(
    r"\[\s*Entered:\s*(\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*[AP]M)\s*\]\s*$", re.I
)
_US_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


class AcmsFormatError(ValueError):
    """The file is not a case as ACMS's case API serves it; the message names the field."""


@dataclass(frozen=True)
class AcmsEntry:
    number: int
    text: str
    filed_at: datetime  # UTC
    entered_at: datetime  # UTC
    restricted: bool
    document_count: int = 0  # ACMS's documents of the entry (they stay in ACMS)
    page_count: int = 0


@dataclass(frozen=True)
class AcmsCase:
    case_number: str
    title: str
    case_type: str
    case_subtype: str
    fee_status: str  # "" when ACMS has none
    opened_at: datetime  # UTC
    alien_number: str
    origin: str
    sealed: bool
    parties: list[acms_html.Party]
    entries: list[AcmsEntry]

    @property
    def emails(self) -> list[str]:
        """Every counsel e-mail address in the party table, once each."""
        return sorted({a.email for p in self.parties for a in p.attorneys if a.email})


def court_time(value: Any, *, tz: ZoneInfo, where: str) -> datetime:
    """An ACMS time → UTC: ``MM/DD/YYYY[ hh:mm[:ss] AM]``, ISO 8601 (court-local without an
    offset), or epoch milliseconds."""
    if isinstance(value, bool) or value is None or value == "":
        raise AcmsFormatError(f"{where}: a date or time is required")
    if isinstance(value, int | float):
        return _epoch_milliseconds(value, where=where)
    if not isinstance(value, str):
        raise AcmsFormatError(f"{where}: {type(value).__name__} is not a date or time")
    return _written_time(" ".join(value.split()), tz=tz, where=where)


def _epoch_milliseconds(value: int | float, *, where: str) -> datetime:
    try:
        stamp = datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise AcmsFormatError(f"{where}: {value!r} is not a time") from exc
    if not is_docket_year(stamp.year):
        raise AcmsFormatError(f"{where}: {value!r} is not a plausible court date")
    return stamp


def _written_time(text: str, *, tz: ZoneInfo, where: str) -> datetime:
    """A US or ISO 8601 date and time; court-local where it names no offset."""
    parsed: datetime | None = None
    for form in _US_FORMATS:
        try:
            parsed = datetime.strptime(text.upper(), form)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise AcmsFormatError(f"{where}: {text[:40]!r} is not a date or time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)  # fold=0: the first of two ambiguous times
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError as exc:
        raise AcmsFormatError(f"{where}: {text[:40]!r} is out of range") from exc
    if not is_docket_year(parsed.year):
        raise AcmsFormatError(f"{where}: {text[:40]!r} is not a plausible court date")
    return parsed


def parse_case(document: Any, *, tz: ZoneInfo) -> AcmsCase:
    """The whole file, checked; raises AcmsFormatError at the first problem."""
    root = _object(document, "the file")
    details = _object(root.get("caseDetails"), "caseDetails")
    docket = _object(root.get("docketInfo"), "docketInfo")

    case_number = _text(details, "caseNumber", "caseDetails", required=True, limit=32)
    if not is_case_number(case_number):
        raise AcmsFormatError(
            f"caseDetails.caseNumber: {case_number[:40]!r} is not a case number like 26-1234"
        )
    # ACMS escapes the name for HTML ("Nguyen &amp; Tran"): the title is the text.
    title = one_line(
        html.unescape(
            _text(details, "name", "caseDetails", limit=500)
            or _text(details, "shortCaption", "caseDetails", limit=500)
        )
    )
    if not title:
        raise AcmsFormatError("caseDetails.name: the case name is required")
    case_type_text = _text(details, "caseType", "caseDetails", required=True, limit=40)
    case_type = CASE_TYPES.get(" ".join(case_type_text.lower().replace("_", " ").split()))
    if case_type is None:
        raise AcmsFormatError(
            f"caseDetails.caseType: {case_type_text!r} is not one of "
            + ", ".join(sorted(CASE_TYPES))
        )
    fee_text = _text(details, "feeStatus", "caseDetails", limit=40)
    fee_status = "_".join(fee_text.lower().replace("-", " ").split())
    if fee_status and fee_status not in FEE_STATUSES:
        raise AcmsFormatError(
            f"caseDetails.feeStatus: {fee_text!r} is not one of "
            "Paid, IFP Pending, IFP Granted, Waived"
        )
    opened_field = "receivedDate" if details.get("receivedDate") else "caseOpened"
    opened_at = court_time(details.get(opened_field), tz=tz, where=f"caseDetails.{opened_field}")
    court = details.get("court")
    court_name = ""
    if court is not None:
        court_name = _text(_object(court, "caseDetails.court"), "name", "caseDetails.court")
    origin = one_line(_text(details, "districtCourtName", "caseDetails", limit=200) or court_name)
    parties = _parties(details)
    sealed = docket.get("isCaseSealed", False)
    if not isinstance(sealed, bool):
        raise AcmsFormatError("docketInfo.isCaseSealed: true or false")
    entries = _entries(docket, tz=tz)
    return AcmsCase(
        case_number=case_number,
        title=title,
        case_type=case_type,
        case_subtype=one_line(_text(details, "caseSubType", "caseDetails", limit=100)),
        fee_status=fee_status,
        opened_at=opened_at,
        alien_number=one_line(_text(details, "aNumber", "caseDetails", limit=40)),
        origin=origin,
        sealed=sealed,
        parties=parties,
        entries=entries,
    )


def _parties(details: dict[str, Any]) -> list[acms_html.Party]:
    """The party table (ACMS's HTML fragment), each name one clean line."""
    table = _text(details, "partyAttorneyList", "caseDetails", required=True, limit=500_000)
    try:
        parties = acms_html.parties_of(table)
    except ValueError as exc:
        raise AcmsFormatError(f"caseDetails.partyAttorneyList: {exc}") from exc
    for index, party in enumerate(parties):
        _check_line(party.name, f"caseDetails.partyAttorneyList row {index + 1}")
        for attorney in party.attorneys:
            _check_line(attorney.name, f"caseDetails.partyAttorneyList row {index + 1}")
    return parties


def _entries(docket: dict[str, Any], *, tz: ZoneInfo) -> list[AcmsEntry]:
    """The docket entries in number order, each number once."""
    raw_entries = docket.get("docketEntries")
    if not isinstance(raw_entries, list):
        raise AcmsFormatError("docketInfo.docketEntries: a list of entries is required")
    if len(raw_entries) > MAX_ENTRIES:
        raise AcmsFormatError(f"docketInfo.docketEntries: more than {MAX_ENTRIES} entries")
    entries = [
        _entry(raw, where=f"docketInfo.docketEntries[{index}]", tz=tz)
        for index, raw in enumerate(raw_entries)
    ]
    seen: set[int] = set()
    for entry in entries:
        if entry.number in seen:
            raise AcmsFormatError(f"docketInfo.docketEntries: entry {entry.number} appears twice")
        seen.add(entry.number)
    return sorted(entries, key=lambda e: e.number)


def _entry(raw: Any, *, where: str, tz: ZoneInfo) -> AcmsEntry:
    entry = _object(raw, where)
    number = entry.get("entryNumber")
    if isinstance(number, str) and number.strip().isdigit():
        number = int(number.strip())
    if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 2**31:
        raise AcmsFormatError(f"{where}.entryNumber: {number!r} is not a positive whole number")
    where = f"{where} (entry {number})"
    html = _text(entry, "docketEntryText", where, required=True, limit=MAX_TEXT * 5)
    text = acms_html.text_of(html)
    stamp = _ENTERED.search(text)
    filed_at = court_time(entry.get("createdOn"), tz=tz, where=f"{where}.createdOn")
    entered_at = filed_at
    if stamp is not None:
        entered_at = court_time(stamp.group(1), tz=tz, where=f"{where}.docketEntryText [Entered]")
        text = text[: stamp.start()].rstrip()
    if not text:
        raise AcmsFormatError(f"{where}.docketEntryText: no text")
    if len(text) > MAX_TEXT:
        raise AcmsFormatError(f"{where}.docketEntryText: longer than {MAX_TEXT} characters")
    _check_line(text, f"{where}.docketEntryText")
    if entry.get("endDate") not in (None, ""):
        court_time(entry["endDate"], tz=tz, where=f"{where}.endDate")
    counts = {}
    for count in ("documentCount", "pageCount"):
        value = entry.get(count, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
            raise AcmsFormatError(f"{where}.{count}: {value!r} is not a count")
        counts[count] = value
    flags = {}
    for flag in ("restrictedDocsAvailable", "restrictedPartyFilingDocketEntry"):
        value = entry.get(flag, False)
        if not isinstance(value, bool):
            raise AcmsFormatError(f"{where}.{flag}: true or false")
        flags[flag] = value
    return AcmsEntry(
        number=number,
        text=text,
        filed_at=filed_at,
        entered_at=entered_at,
        restricted=flags["restrictedPartyFilingDocketEntry"],
        document_count=counts["documentCount"],
        page_count=counts["pageCount"],
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AcmsFormatError(f"{where}: an object is required")
    return value


def _text(
    parent: dict[str, Any], key: str, where: str, *, required: bool = False, limit: int = 1000
) -> str:
    value = parent.get(key)
    if value is None or value == "":
        if required:
            raise AcmsFormatError(f"{where}.{key}: required")
        return ""
    if not isinstance(value, str):
        raise AcmsFormatError(f"{where}.{key}: {type(value).__name__} where text belongs")
    value = value.strip()
    if len(value) > limit:
        raise AcmsFormatError(f"{where}.{key}: longer than {limit} characters")
    refused = first_refused(value, multiline=True)
    if refused is not None:
        raise AcmsFormatError(
            f"{where}.{key}: control or invisible formatting character U+{ord(refused):04X}"
        )
    return value


def _check_line(value: str, where: str) -> None:
    refused = first_refused(value)
    if refused is not None:
        raise AcmsFormatError(
            f"{where}: control or invisible formatting character U+{ord(refused):04X}"
        )
