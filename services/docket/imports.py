"""Importing a case from ACMS (``openecf import acms``): one transaction per case.

The case keeps its number, type and entry numbers (gaps and all); new entries continue after
the highest, and the number's series is moved past it so a new case never draws it. Counsel
whose e-mail address belongs to an attorney's account here become counsel of record (they may
file and receive NDAs from now on); the others stay in the party list as ACMS named them.

Events: ``docket.case_opened`` only (with that counsel), so filing, access and notify know the
case; imported entries publish nothing, so nobody is sent an NDA for the past.

Importing a case again (ACMS kept working on it) applies what ACMS changed since, and nothing
else (``reimport``):
- entries ACMS added are added with their numbers, texts, times and ACMS's document and page
  counts; entries already here are never rewritten (the docket is append-only), and entries
  docketed here after the import stay as they are;
- a new ACMS entry whose number an entry docketed here already has is a conflict: the case is
  refused whole (``import_conflict``), nothing of it written — the court decides;
- the fee status follows ACMS when ACMS's changed since the last import (a clerk's setting
  here stands while ACMS says what it said before); an entry's seal follows ACMS the same way
  (a seal a clerk made here stays);
- parties and counsel ACMS added are added (counsel with an account here become counsel of
  record, announced like an appearance); nobody is removed.
Importing the identical file again changes nothing and says ``unchanged``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from services.common.clock import Clock, system_clock
from services.common.errors import CourtError
from services.docket import events, store
from services.docket.acms import AcmsCase, AcmsEntry
from services.docket.case_numbers import parse_case_number
from services.docket.models import COURT_ENTRY, CaseRecord, CounselRecord, NewEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attorney:
    """An attorney's account here, found by the e-mail address in ACMS's party table."""

    account_id: str
    name: str
    firm: str


@dataclass(frozen=True)
class ImportOutcome:
    case_number: str
    imported: bool  # False: imported before (``changes`` says what a re-import changed)
    entries: int
    counsel: int  # counsel of record made from the table
    unmatched: list[str]  # counsel named in the table with no account here
    changes: tuple[str, ...] = ()  # a re-import's changes ("3 entries added"); () unchanged


def import_case(
    conn: Connection[Any],
    case: AcmsCase,
    *,
    attorneys: dict[str, Attorney],
    clock: Clock = system_clock,
    tz: ZoneInfo,
) -> ImportOutcome:
    """Write ``case`` (already checked) in the caller's transaction."""
    # Two imports of one case wait for each other; the second finds it imported.
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('docket.import'), hashtext(%s))",
        [case.case_number],
    )
    existing = store.case_by_number(conn, case.case_number, lock=True)
    if existing is not None:
        if not existing.imported:
            raise CourtError(
                "duplicate",
                f"case {case.case_number} was opened here, not imported: not overwritten",
            )
        return reimport(conn, existing, case, attorneys=attorneys, clock=clock, tz=tz)

    series, sequence = parse_case_number(case.case_number)
    store.reserve_case_sequence(conn, series, sequence)
    now = clock.now()
    record = store.insert_imported_case(
        conn,
        case_number=case.case_number,
        title=case.title,
        case_type=case.case_type,
        case_subtype=case.case_subtype,
        fee_status=case.fee_status,
        opened_at=case.opened_at,
        parties=parties_json(case),
        origin_agency=case.origin,
        alien_number=case.alien_number,
        last_entry_number=max((e.number for e in case.entries), default=0),
        imported_at=now,
    )
    for entry in case.entries:
        _insert(conn, record.case_id, entry, acms_sealed=_acms_sealed(case, entry))
    sealed = [e.number for e in case.entries if _acms_sealed(case, e)]
    if sealed:
        store.seal_imported(conn, record.case_id, sealed, at=now)

    counsel, unmatched = _counsel(conn, case, record.case_id, attorneys, now=now)
    events.case_opened(conn, record, counsel=counsel, filing_id="", tz=tz)
    log.info(
        "case imported from ACMS",
        extra={"case_number": case.case_number, "entries": len(case.entries)},
    )
    return ImportOutcome(case.case_number, True, len(case.entries), len(counsel), unmatched)


def reimport(
    conn: Connection[Any],
    existing: CaseRecord,
    case: AcmsCase,
    *,
    attorneys: dict[str, Attorney],
    clock: Clock,
    tz: ZoneInfo,
) -> ImportOutcome:
    """Apply what ACMS changed since the last import (the module's rule), in the caller's
    transaction; a conflict is raised before anything is written."""
    origins = store.entry_origins(conn, existing.case_id)
    _refuse_numbers_taken_here(case, origins)
    now = clock.now()
    added = [e for e in case.entries if e.number not in origins]
    changes = [
        *_add_entries(conn, existing, case, added, now=now),
        *_follow_acms_seals(conn, existing, case, origins, now=now),
        *_follow_acms_fee_status(conn, existing, case, now=now),
        *_merge_parties(conn, existing, case),
    ]
    counsel, unmatched = _counsel(conn, case, existing.case_id, attorneys, now=now, only_new=True)
    # Counsel without an account here are said once: when ACMS first names them.
    known: list[dict[str, Any]] = [dict(p) for p in existing.parties]  # acms_counsel: a list
    named_before = {a.get("name") for p in known for a in p.get("acms_counsel", [])}
    unmatched = [name for name in unmatched if name not in named_before]
    since = max(existing.last_entry_number, *(e.number for e in case.entries), 0) + 1
    for record in counsel:
        events.counsel_added(conn, existing, record, since_entry=since, at=now, tz=tz)
    if counsel:
        changes.append(_count(len(counsel), "counsel of record", "counsel of record") + " added")

    if changes:
        log.info(
            "ACMS case imported again",
            extra={"case_number": case.case_number, "changes": "; ".join(changes)},
        )
    return ImportOutcome(
        case.case_number, False, len(added), len(counsel), unmatched, tuple(changes)
    )


def _refuse_numbers_taken_here(case: AcmsCase, origins: dict[int, store.EntryOrigin]) -> None:
    """A new ACMS entry whose number an entry docketed here has refuses the whole case."""
    taken = [
        e.number
        for e in case.entries
        if e.number in origins and not origins[e.number].acms_imported
    ]
    if taken:
        numbers = ", ".join(map(str, taken[:5])) + (" …" if len(taken) > 5 else "")
        raise CourtError(
            "import_conflict",
            f"case {case.case_number}: ACMS entry {numbers} has the number of an entry docketed"
            " here after the import; nothing of this case was imported",
        )


def _add_entries(
    conn: Connection[Any],
    existing: CaseRecord,
    case: AcmsCase,
    added: list[AcmsEntry],
    *,
    now: datetime,
) -> list[str]:
    """The entries ACMS added, with their numbers (and seals); the changes said."""
    if not added:
        return []
    for entry in added:
        _insert(conn, existing.case_id, entry, acms_sealed=_acms_sealed(case, entry))
    sealed = [e.number for e in added if _acms_sealed(case, e)]
    store.seal_imported(conn, existing.case_id, sealed, at=now)
    highest = max(e.number for e in added)
    if highest > existing.last_entry_number:
        store.set_last_entry_number(conn, existing.case_id, highest)
    return [_count(len(added), "entry", "entries") + " added"]


def _follow_acms_seals(
    conn: Connection[Any],
    existing: CaseRecord,
    case: AcmsCase,
    origins: dict[int, store.EntryOrigin],
    *,
    now: datetime,
) -> list[str]:
    """An entry's seal follows ACMS where ACMS changed it; a seal a clerk made here stays."""
    resealed = unsealed = 0
    for entry in case.entries:
        origin = origins.get(entry.number)
        wanted = _acms_sealed(case, entry)
        if origin is None or origin.acms_sealed == wanted:
            continue  # new (added with its seal), or ACMS did not change its seal
        store.set_acms_seal(conn, existing.case_id, entry.number, acms_sealed=wanted, at=now)
        if wanted and not origin.sealed:
            resealed += 1
        elif not wanted and origin.sealed and not origin.sealed_here:
            unsealed += 1
    changes = []
    if resealed:
        changes.append(_count(resealed, "entry", "entries") + " sealed")
    if unsealed:
        changes.append(_count(unsealed, "entry", "entries") + " unsealed")
    return changes


def _follow_acms_fee_status(
    conn: Connection[Any], existing: CaseRecord, case: AcmsCase, *, now: datetime
) -> list[str]:
    """The fee status follows ACMS's when ACMS's changed; a clerk's setting here stands while
    ACMS says what it said before."""
    if case.fee_status == store.acms_fee_status(conn, existing.case_id):
        return []
    store.set_acms_fee_status(conn, existing.case_id, case.fee_status)
    if not case.fee_status or case.fee_status == existing.fee_status:
        return []
    store.set_fee_status(
        conn,
        case_id=existing.case_id,
        from_status=existing.fee_status,
        to_status=case.fee_status,
        by=None,
        at=now,
    )
    return [f"fee status {case.fee_status}"]


def _merge_parties(conn: Connection[Any], existing: CaseRecord, case: AcmsCase) -> list[str]:
    """Parties and counsel ACMS added; nobody removed."""
    parties, new_parties, new_named = merged_parties(existing.parties, case)
    if parties == existing.parties:
        return []
    store.set_parties(conn, existing, parties)
    changes = []
    if new_parties:
        changes.append(_count(new_parties, "party", "parties") + " added")
    if new_named:
        changes.append(f"{new_named} counsel named for parties already here")
    return changes


def _acms_sealed(case: AcmsCase, entry: AcmsEntry) -> bool:
    return case.sealed or entry.restricted


def _insert(conn: Connection[Any], case_id: int, entry: AcmsEntry, *, acms_sealed: bool) -> None:
    store.insert_entry(
        conn,
        case_id=case_id,
        number=entry.number,
        entry=NewEntry(
            filing_type=COURT_ENTRY,
            filing_id=None,
            filed_at=entry.filed_at,
            text=entry.text,
            filer_name="",
            filer_account_id=None,
            documents=[],
        ),
        entered_at=entry.entered_at,
    )
    store.mark_acms_entry(
        conn,
        case_id,
        entry.number,
        acms_sealed=acms_sealed,
        document_count=entry.document_count,
        page_count=entry.page_count,
    )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def merged_parties(
    known: list[dict[str, Any]], case: AcmsCase
) -> tuple[list[dict[str, Any]], int, int]:
    """The party list with ACMS's new parties appended and ACMS's new counsel added to the
    parties already here; nothing removed. Returns it, how many parties were new and how many
    counsel were newly named for parties already here."""
    merged = [dict(p) for p in known]
    by_key = {(p["name"], p["role"]): p for p in merged}
    added = named_new = 0
    for party in parties_json(case):
        here = by_key.get((party["name"], party["role"]))
        if here is None:
            merged.append(party)
            by_key[(party["name"], party["role"])] = party
            added += 1
            continue
        named = list(here.get("acms_counsel", []))
        for attorney in party["acms_counsel"]:
            if attorney not in named:
                named.append(attorney)
                named_new += 1
        if named != here.get("acms_counsel", []):
            here["acms_counsel"] = named
    return merged, added, named_new


def parties_json(case: AcmsCase) -> list[dict[str, Any]]:
    """The party list as docket keeps it, with ACMS's counsel for the record (never shown
    publicly: the case view shows counsel of record only)."""
    return [
        {
            "name": party.name,
            "role": party.role,
            "acms_counsel": [
                {"name": a.name, "firm": a.firm, "email": a.email} for a in party.attorneys
            ],
        }
        for party in case.parties
    ]


def _counsel(
    conn: Connection[Any],
    case: AcmsCase,
    case_id: int,
    attorneys: dict[str, Attorney],
    *,
    now: Any,
    only_new: bool = False,
) -> tuple[list[CounselRecord], list[str]]:
    """Counsel of record for the attorneys the table names who have an account here (with
    ``only_new``: those not counsel of record yet — a re-import never overwrites a record, nor
    the attorney's notice choice), and the names of those who have none."""
    represented: dict[str, list[str]] = {}  # account id → the parties, in table order
    found: dict[str, Attorney] = {}
    unmatched: list[str] = []
    for party in case.parties:
        for named in party.attorneys:
            attorney = attorneys.get(named.email) if named.email else None
            if attorney is None:
                unmatched.append(named.name)
                continue
            found[attorney.account_id] = attorney
            parties = represented.setdefault(attorney.account_id, [])
            if party.name not in parties:
                parties.append(party.name)
    if only_new:
        represented = {
            account_id: parties
            for account_id, parties in represented.items()
            if store.counsel_of(conn, case_id, account_id) is None
        }
    first_entry = case.entries[0].number if case.entries else 0
    counsel = [
        store.upsert_counsel(
            conn,
            case_id=case_id,
            account_id=account_id,
            name=found[account_id].name,
            firm=found[account_id].firm,
            party_name="; ".join(parties),
            entry_number=first_entry,
            added_at=now,
        )
        for account_id, parties in represented.items()
    ]
    return counsel, sorted(set(unmatched))
