"""A notice of appearance the clerk accepted makes its attorney counsel of record."""

from __future__ import annotations

from court.v1 import common_pb2, events_pb2
from docket_driver import DocketDriver
from support.api import Api

from services.common.events import new_event


def test_an_accepted_appearance_adds_counsel_announced_before_its_entry(
    docket: DocketDriver, public: Api, title: str
) -> None:
    petitioner_counsel = docket.attorney()
    number = docket.open_case(petitioner_counsel, title=title)
    government = docket.attorney()
    notice = docket.filing(
        government,
        common_pb2.FILING_TYPE_NOTICE_OF_APPEARANCE,
        case_number=number,
        parties=[common_pb2.Party(name="Attorney General", role=common_pb2.PARTY_ROLE_RESPONDENT)],
        requires_review=True,
    )
    docket.submit(notice)  # waits for the clerk: nothing is docketed yet
    rejected = docket.filing(
        docket.attorney(), common_pb2.FILING_TYPE_NOTICE_OF_APPEARANCE, case_number=number
    )
    docket.send(
        new_event(
            event_type="filing.rejected",
            source="filing",
            subject=number,
            payload=events_pb2.FilingRejected(
                filing_id=rejected.filing_id, case_number=number, reason="not admitted"
            ),
        )
    )
    docket.submit(notice, accepted=True)

    entries = docket.wait_entries(public, number, 3)
    assert len(entries) == 3
    added = entries[2]
    assert added["text"] == f"ADDED counsel {government.name} for Attorney General."
    assert added["filing_type"] == "notice_of_appearance"
    assert added["filed_at"]["local"] == notice.received_at.local  # when it was received
    counsel = public.get(f"/api/v1/cases/{number}").json()["counsel"]
    assert [(c["account_id"], c["party_name"]) for c in counsel] == [
        (petitioner_counsel.account_id, "Maria Lopez"),
        (government.account_id, "Attorney General"),
    ]
    mine = government.api.get("/api/v1/cases", params={"mine": "true"}).json()
    assert [c["case_number"] for c in mine["cases"]] == [number]

    # On docket.events: the appearance first, then its entry (whose NDA confirms it).
    events = docket.docket_events(number, until=lambda found: len(found) >= 5)
    assert [t for t, _ in events] == [
        "docket.case_opened",
        "docket.entry_recorded",
        "docket.entry_recorded",
        "docket.appearance_entered",
        "docket.entry_recorded",
    ]
    appearance, entry = events[3][1], events[4][1]
    assert appearance.counsel.account_id == government.account_id
    assert appearance.counsel.party_name == "Attorney General"
    assert appearance.entry_number == entry.entry_number == 3
    assert entry.filer_account_id == government.account_id
    assert entry.filing_id == notice.filing_id


def test_two_notices_by_one_attorney_make_one_counsel_record(
    docket: DocketDriver, public: Api, title: str
) -> None:
    number = docket.open_case(docket.attorney(), title=title)
    government = docket.attorney()
    party = [common_pb2.Party(name="Attorney General", role=common_pb2.PARTY_ROLE_RESPONDENT)]
    notices = [
        docket.filing(
            government,
            common_pb2.FILING_TYPE_NOTICE_OF_APPEARANCE,
            case_number=number,
            parties=party,
        )
        for _ in range(2)
    ]
    for notice in notices:  # submitted together: both reach the docket
        docket.submit(notice)

    entries = docket.wait_entries(public, number, 4)
    assert [e["text"] for e in entries[2:]] == [
        f"ADDED counsel {government.name} for Attorney General.",
        f"NOTICE OF APPEARANCE by {government.name}; already counsel of record.",
    ]
    counsel = public.get(f"/api/v1/cases/{number}").json()["counsel"]
    assert [c["account_id"] for c in counsel].count(government.account_id) == 1
    appearances = [
        t
        for t, _ in docket.docket_events(number, until=lambda found: len(found) >= 6)
        if t == "docket.appearance_entered"
    ]
    assert appearances == ["docket.appearance_entered"]
