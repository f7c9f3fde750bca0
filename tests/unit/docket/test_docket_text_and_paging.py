"""Docket text, page tokens and the parsing of a case search."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from court.v1 import common_pb2, events_pb2

from services.common.errors import CourtError, PermanentEventError
from services.docket import paging
from services.docket.appearances import represented_party, with_party
from services.docket.cases import petition_text, petitioners, title_of
from services.docket.entries import docket_text, filing_id_of, received_at_of
from services.docket.models import CaseRecord
from services.docket.search import parse_query


def test_docket_text_names_the_filing_the_filer_and_what_it_is_for() -> None:
    assert (
        docket_text("motion", filer="Ada Lovelace", description="extension of time to file.")
        == "MOTION filed by Ada Lovelace for extension of time to file."
    )
    assert docket_text("brief", filer="Ada Lovelace", description="") == (
        "BRIEF filed by Ada Lovelace."
    )
    assert docket_text("other", filer="A", description="  two\n\nlines ") == (
        "DOCUMENT filed by A for two lines."
    )
    long = docket_text("letter", filer="A", description="x" * 5000)
    assert len(long) < 1100 and long.endswith("….")


def test_the_petition_entry_and_the_case_title() -> None:
    filing = events_pb2.FilingSubmitted(
        filer_name="Ada Lovelace",
        description="Petition for review of a BIA decision",
        parties=[
            common_pb2.Party(name="Maria Lopez", role=common_pb2.PARTY_ROLE_PETITIONER),
            common_pb2.Party(name="Attorney General", role=common_pb2.PARTY_ROLE_RESPONDENT),
        ],
    )
    parties = [
        {"name": "Maria Lopez", "role": "petitioner"},
        {"name": "Attorney General", "role": "respondent"},
    ]
    assert petition_text(filing, parties) == (
        "PETITION FOR REVIEW filed by Ada Lovelace for Maria Lopez."
        " Petition for review of a BIA decision."
    )
    assert title_of(filing, parties) == "Maria Lopez v. Attorney General"
    assert petitioners([]) == "Petitioner"
    assert title_of(events_pb2.FilingSubmitted(title="  Lopez  v.  Garland "), []) == (
        "Lopez v. Garland"
    )


def test_the_party_an_attorney_appears_for() -> None:
    named = events_pb2.FilingSubmitted(
        parties=[common_pb2.Party(name="Attorney General", role=common_pb2.PARTY_ROLE_RESPONDENT)]
    )
    assert represented_party(named) == ("Attorney General", "respondent")
    described = events_pb2.FilingSubmitted(description="Respondent Merrick Garland.")
    assert represented_party(described) == ("Respondent Merrick Garland", "unspecified")
    case = CaseRecord(
        case_id=1,
        case_number="26-1",
        title="t",
        case_type="agency",
        status="open",
        opened_at=datetime(2026, 1, 5, tzinfo=UTC),
        parties=[{"name": "attorney general", "role": "respondent"}],
        origin_agency="",
        alien_number="",
        last_entry_number=2,
    )
    assert with_party(case, "Attorney General", "respondent") is None
    assert with_party(case, "Intervenor Co", "intervenor") == [
        {"name": "attorney general", "role": "respondent"},
        {"name": "Intervenor Co", "role": "intervenor"},
    ]
    assert with_party(case, "Someone", "unspecified") is None


def test_events_that_can_never_be_docketed_are_permanent_errors() -> None:
    with pytest.raises(PermanentEventError):
        filing_id_of(events_pb2.FilingSubmitted(filing_id="not-a-uuid"))
    with pytest.raises(PermanentEventError):
        received_at_of(events_pb2.FilingSubmitted(filing_id="x"))


def test_page_tokens_round_trip_and_belong_to_their_listing() -> None:
    token = paging.encode("sheet:26-1", 150)
    assert paging.decode(token, "sheet:26-1") == 150
    assert paging.decode("", "sheet:26-1") is None
    for bad, listing in [(token, "sheet:26-2"), ("garbage!!", "sheet:26-1"), ("e30", "cases")]:
        with pytest.raises(CourtError) as raised:
            paging.decode(bad, listing)
        assert raised.value.code == "validation_failed"
    assert paging.page_size(0, default=50, maximum=200) == 50
    assert paging.page_size(1000, default=50, maximum=200) == 200
    with pytest.raises(CourtError):
        paging.page_size(-1, default=50, maximum=200)


def test_a_search_splits_into_case_number_prefixes_and_words() -> None:
    query = parse_query("26-12")
    assert (query.exact_number, query.number_prefixes, query.words) == ("26-12", ["26-12"], [])
    query = parse_query(" Lopez  26- garland ")
    assert query.exact_number is None
    assert (query.number_prefixes, query.words) == (["26-"], ["Lopez", "garland"])
    assert parse_query("") == parse_query("   ")
    for bad in ["x" * 201, " ".join(["w"] * 9)]:
        with pytest.raises(CourtError):
            parse_query(bad)
