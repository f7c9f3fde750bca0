"""Reading ACMS's case API JSON: fields, court times → UTC, the HTML party table and docket
text, and every malformed variant refused whole with the field named."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.docket.acms import AcmsFormatError, court_time, parse_case
from services.docket.acms_html import Attorney, Party, parties_of, text_of

COURT_TZ = ZoneInfo("America/Los_Angeles")
DATA = Path(__file__).resolve().parents[2] / "data" / "acms"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_a_normal_case_keeps_its_number_type_fee_status_and_a_number() -> None:
    case = parse_case(fixture("normal.json"), tz=COURT_TZ)
    assert (case.case_number, case.case_type, case.case_subtype) == (
        "24-1234",
        "immigration",
        "Petition for Review",
    )
    assert case.title == "Maria Lopez-Garcia v. Merrick B. Garland"
    assert case.fee_status == "ifp_granted"
    assert case.alien_number == "A201-555-123"
    assert case.origin == "Board of Immigration Appeals"
    # receivedDate, a court-local day: midnight Pacific (PST, UTC-8) in January.
    assert case.opened_at == datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
    assert [e.number for e in case.entries] == [1, 2, 3, 4, 5]
    assert not case.sealed and not any(e.restricted for e in case.entries)


def test_entry_times_are_court_local_and_stored_in_utc_across_daylight_saving() -> None:
    entries = {e.number: e for e in parse_case(fixture("normal.json"), tz=COURT_TZ).entries}
    # January: PST (UTC-8). createdOn is the filed time, the [Entered: …] stamp the entered one.
    assert entries[1].filed_at == datetime(2024, 1, 16, 0, 42, 10, tzinfo=UTC)
    assert entries[1].entered_at == datetime(2024, 1, 16, 17, 14, tzinfo=UTC)
    # July: PDT (UTC-7); filed 23:59:30 Pacific on the 8th is the 9th in UTC.
    assert entries[4].filed_at == datetime(2024, 7, 9, 6, 59, 30, tzinfo=UTC)
    assert entries[4].entered_at == datetime(2024, 7, 9, 15, 5, tzinfo=UTC)
    # An explicit offset is honoured as written.
    assert entries[5].filed_at == datetime(2024, 7, 15, 16, 0, tzinfo=UTC)


def test_an_ambiguous_time_at_the_end_of_daylight_saving_is_the_first_one() -> None:
    # 2021-11-07 01:30 happens twice in Pacific time; ACMS's first is PDT (UTC-7).
    entries = parse_case(fixture("html.json"), tz=COURT_TZ).entries
    assert entries[1].filed_at == datetime(2021, 11, 7, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03/08/2026 01:59 AM", datetime(2026, 3, 8, 9, 59, tzinfo=UTC)),  # still PST
        ("03/08/2026 03:00 AM", datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),  # PDT
        ("12/31/2026", datetime(2026, 12, 31, 8, 0, tzinfo=UTC)),
        ("2026-06-01T12:00:00Z", datetime(2026, 6, 1, 12, 0, tzinfo=UTC)),
        (1767225600000, datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),  # epoch milliseconds
    ],
)
def test_court_time_forms(value: Any, expected: datetime) -> None:
    assert court_time(value, tz=COURT_TZ, where="x") == expected


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59", "0001-01-01", "01/01/1800", 10**17, True, "", {"a": 1}]
)
def test_impossible_times_are_format_errors(value: Any) -> None:
    with pytest.raises(AcmsFormatError):
        court_time(value, tz=COURT_TZ, where="x")


def test_docket_text_is_plain_text_without_its_entered_stamp() -> None:
    entries = parse_case(fixture("normal.json"), tz=COURT_TZ).entries
    assert entries[0].text == (
        "PETITION FOR REVIEW of an order of the Board of Immigration Appeals. Docketed 01/16/2024."
    )
    assert entries[1].text.startswith(
        "Filed (ECF) Petitioner Maria Lopez-Garcia Motion to proceed in forma pauperis."
    )
    assert "<" not in entries[1].text and "[Entered" not in entries[1].text


def test_html_in_entries_drops_tags_scripts_and_styles_and_decodes_entities() -> None:
    case = parse_case(fixture("html.json"), tz=COURT_TZ)
    first, second = case.entries
    assert first.text == ("PETITION FOR REVIEW & motion for stay of removal. Petition (12 pages)")
    assert second.text == (
        "Filed order: temporary stay <granted> pending the motion. Second paragraph."
    )
    assert case.title == "Nguyen & Tran v. Garland"


def test_the_party_table_gives_parties_roles_and_counsel_with_their_addresses() -> None:
    parties = parse_case(fixture("html.json"), tz=COURT_TZ).parties
    assert parties == [
        Party(
            name="THI NGUYEN & VAN TRAN",
            role="petitioner",
            attorneys=[
                Attorney("Linus O'Connor", "O'Connor <Law> Group", "linus@oconnor-law.example"),
                Attorney("Barbara Liskov", "Liskov Appellate PLLC", ""),
            ],
        ),
        # "NAME, Respondent" on one line; a nested table in the counsel cell is one attorney.
        Party(
            name="MERRICK B. GARLAND",
            role="respondent",
            attorneys=[Attorney("OIL", "", "oil.ecf@usdoj.example")],
        ),
    ]
    assert "INJECTED" not in repr(parties)  # script content is never read as a row


def test_attorneys_separated_by_a_blank_line_and_pro_se_parties() -> None:
    gaps = parse_case(fixture("gaps.json"), tz=COURT_TZ)
    assert [a.name for a in gaps.parties[0].attorneys] == ["Grace Hopper", "Alan Turing"]
    assert gaps.parties[0].attorneys[0].firm == "Hopper & Partners"
    sealed = parse_case(fixture("sealed.json"), tz=COURT_TZ)
    assert [(p.name, p.role, p.attorneys) for p in sealed.parties] == [
        ("JOHN DOE", "petitioner", []),
        ("MERRICK B. GARLAND", "respondent", []),
    ]


def test_gaps_in_entry_numbers_are_kept() -> None:
    case = parse_case(fixture("gaps.json"), tz=COURT_TZ)
    assert [e.number for e in case.entries] == [1, 2, 5, 9, 10]
    assert (case.case_type, case.fee_status, case.alien_number) == ("agency", "paid", "")


def test_sealed_cases_and_restricted_entries_are_flagged() -> None:
    assert parse_case(fixture("sealed.json"), tz=COURT_TZ).sealed
    restricted = parse_case(fixture("restricted.json"), tz=COURT_TZ)
    assert [e.number for e in restricted.entries if e.restricted] == [3]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed-bad-time.json", "docketInfo.docketEntries[3] (entry 4).createdOn"),
        ("malformed-duplicate-entry.json", "entry 4 appears twice"),
        ("malformed-case-type.json", "caseDetails.caseType: 'Bankruptcy'"),
        ("malformed-fee-status.json", "caseDetails.feeStatus: 'Maybe Later'"),
        ("malformed-no-case-number.json", "caseDetails.caseNumber: required"),
        ("malformed-entry-number.json", "docketInfo.docketEntries[1].entryNumber"),
        ("malformed-control-char.json", "U+202E"),
        ("malformed-no-parties.json", "caseDetails.partyAttorneyList: no party rows"),
    ],
)
def test_malformed_files_are_refused_naming_the_field(name: str, message: str) -> None:
    with pytest.raises(AcmsFormatError) as refused:
        parse_case(fixture(name), tz=COURT_TZ)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("docketInfo"),
        lambda d: d["caseDetails"].update(caseNumber="2024-1"),
        lambda d: d["caseDetails"].update(name="", shortCaption=""),
        lambda d: d["docketInfo"].update(isCaseSealed="no"),
        lambda d: d["docketInfo"].update(docketEntries={}),
        lambda d: d["docketInfo"]["docketEntries"][0].update(
            docketEntryText="[Entered: 01/16/2024 09:14 AM]"
        ),
        lambda d: d["docketInfo"]["docketEntries"][0].update(entryNumber=0),
        lambda d: d["docketInfo"]["docketEntries"][0].update(pageCount=-1),
        lambda d: d["docketInfo"]["docketEntries"][0].update(restrictedDocsAvailable="yes"),
        lambda d: d["caseDetails"].update(aNumber=12345),
    ],
)
def test_other_malformations_are_refused(change: Any) -> None:
    document = copy.deepcopy(fixture("normal.json"))
    change(document)
    with pytest.raises(AcmsFormatError):
        parse_case(document, tz=COURT_TZ)


def test_the_whole_file_must_be_an_object() -> None:
    for document in ([], "case", None, {"caseDetails": []}):
        with pytest.raises(AcmsFormatError):
            parse_case(document, tz=COURT_TZ)


def test_text_of_and_parties_of_never_run_markup() -> None:
    assert text_of("<b>a</b>&lt;b&gt;<script>b</script><br>c") == "a<b> c"
    with pytest.raises(ValueError):
        parties_of("<table><tr><th>Party</th></tr></table>")
