"""A petition opens a case (entries 1 and 2); later filings become entries 3, 4, …"""

from __future__ import annotations

import re
from typing import Any

import httpx
import psycopg
from court.v1 import common_pb2
from docket_driver import DocketDriver, read_topic
from prometheus_client.parser import text_string_to_metric_families
from support.api import Api, wait_for

from services.stack.supervisor import LocalStack


def test_a_petition_opens_a_case_with_the_petition_and_the_opening_notice(
    docket: DocketDriver, public: Api, title: str
) -> None:
    filer = docket.attorney()
    petition = docket.petition(filer, title=title, petitioner="Maria Lopez")
    docket.submit(petition)
    number = docket.case_of(filer.api, title)
    # ACMS form, numbered in the court-local year of receipt.
    assert re.fullmatch(r"\d\d-\d+", number)
    assert number[:3] == petition.received_at.local_date[2:4] + "-"

    case = public.get(f"/api/v1/cases/{number}").json()
    assert (case["title"], case["case_type"], case["status"]) == (title, "agency", "open")
    assert case["parties"] == [
        {"name": "Maria Lopez", "role": "petitioner"},
        {"name": "Attorney General", "role": "respondent"},
    ]
    assert case["counsel"] == [
        {
            "account_id": filer.account_id,
            "name": filer.name,
            "firm": filer.firm,
            "party_name": "Maria Lopez",
            "receive_notices": True,
        }
    ]
    assert case["opened_at"]["local_date"] == petition.received_at.local_date
    assert "documents" not in case  # case details carry no document links

    first, second = docket.wait_entries(public, number, 2)
    assert first["number"] == 1 and first["filing_type"] == "petition_for_review"
    assert first["text"].startswith(f"PETITION FOR REVIEW filed by {filer.name} for Maria Lopez.")
    assert first["filed_at"]["local"] == petition.received_at.local  # received, UTC and Pacific
    assert first["filed_at"]["utc"].endswith("Z")
    assert re.search(r"[-+]0[78]:00$", first["entered_at"]["local"])
    assert [(d["document_id"], d["pages"]) for d in first["documents"]] == [
        (petition.documents[0].document_id, 3)
    ]
    assert second["number"] == 2 and second["filing_type"] == "court"
    assert second["text"].startswith(f"Docketed case {number}, {title}")
    assert second["documents"] == [] and second["filer_name"] == "Clerk of Court"

    # The events others build their views from, in order, in one partition (key = case).
    events = docket.docket_events(number, until=lambda found: len(found) >= 3)
    assert [t for t, _ in events] == [
        "docket.case_opened",
        "docket.entry_recorded",
        "docket.entry_recorded",
    ]
    opened, entry1, entry2 = (payload for _, payload in events)
    assert opened.case_type == common_pb2.CASE_TYPE_AGENCY and opened.filing_id == (
        petition.filing_id
    )
    assert [(c.account_id, c.name, c.party_name) for c in opened.counsel] == [
        (filer.account_id, filer.name, "Maria Lopez")
    ]
    assert (entry1.entry_number, entry1.filing_id, entry1.filer_account_id) == (
        1,
        petition.filing_id,
        filer.account_id,
    )
    assert entry1.case_title == title and entry1.filer == filer.name and not entry1.sealed
    assert entry1.filed_at.local == petition.received_at.local
    assert entry1.entered_at.local_date and entry1.entered_at.utc.seconds
    assert [d.document_id for d in entry1.documents] == [petition.documents[0].document_id]
    assert entry1.filing_type == common_pb2.FILING_TYPE_PETITION_FOR_REVIEW
    # The court's own notice belongs to no filing (filing marks the petition docketed as 1).
    assert (entry2.entry_number, entry2.filing_id) == (2, "")


def test_later_filings_become_the_next_entries_with_their_text(
    docket: DocketDriver, public: Api, title: str
) -> None:
    filer = docket.attorney()
    number = docket.open_case(filer, title=title)
    motion = docket.filing(
        filer,
        common_pb2.FILING_TYPE_MOTION,
        case_number=number,
        description="extension of time to file the opening brief",
        documents=2,
    )
    docket.submit(motion)
    docket.submit(docket.filing(filer, common_pb2.FILING_TYPE_BRIEF, case_number=number))
    entries = docket.wait_entries(public, number, 4)
    assert [e["number"] for e in entries] == [1, 2, 3, 4]
    assert entries[2]["text"] == (
        f"MOTION filed by {filer.name} for extension of time to file the opening brief."
    )
    assert [d["filename"] for d in entries[2]["documents"]] == ["lead.pdf", "attachment-1.pdf"]
    assert entries[3]["text"] == f"BRIEF filed by {filer.name}."
    assert entries[3]["filing_type"] == "brief"
    # A filing waiting for review is not docketed from filing.submitted.
    waiting = docket.filing(
        filer, common_pb2.FILING_TYPE_MOTION, case_number=number, requires_review=True
    )
    docket.submit(waiting)
    docket.submit(docket.filing(filer, common_pb2.FILING_TYPE_LETTER, case_number=number))
    entries = docket.wait_entries(public, number, 5)
    assert len(entries) == 5 and entries[4]["filing_type"] == "letter"


def test_a_filing_in_an_unknown_case_is_dead_lettered(
    docket: DocketDriver, stack: LocalStack
) -> None:
    filer = docket.attorney()
    stray = docket.filing(filer, common_pb2.FILING_TYPE_MOTION, case_number="99-999999")
    envelope = docket.envelope(stray)
    docket.send(envelope)

    def dead_lettered() -> bool:
        for record in read_topic(stack.settings.kafka_bootstrap, "platform.deadletter"):
            headers = dict(record.headers or [])
            if headers.get("consumer") == b"docket.filings" and record.value == (
                envelope.SerializeToString()
            ):
                return b"no case 99-999999" in headers.get("error", b"")
        return False

    wait_for(dead_lettered, 20, what="the stray filing dead-lettered")


def test_reading_cases_needs_a_login_and_a_well_formed_existing_case_number(
    docket: DocketDriver, public: Api, edge_url: str
) -> None:
    anonymous = httpx.get(f"{edge_url}/api/v1/cases/26-1")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    assert httpx.get(f"{edge_url}/api/v1/cases", params={"q": "x"}).status_code == 401
    for garbage in ["garbage", "2026-1", "26-1234567", "26-1%3B--"]:
        reply = public.get(f"/api/v1/cases/{garbage}/docket")
        assert reply.status_code == 422, (garbage, reply.text)
        assert reply.json()["code"] == "validation_failed"
    missing = public.get("/api/v1/cases/99-999998")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert public.get("/api/v1/cases/99-999998/docket").status_code == 404
    bad_token = public.get("/api/v1/cases/99-999998/docket", params={"page_token": "nope"})
    assert bad_token.status_code == 422


def test_restricted_fields_are_for_court_staff_and_counsel_of_record_only(
    docket: DocketDriver, public: Api, clerk: Api, database_url: str, title: str
) -> None:
    filer = docket.attorney()
    number = docket.open_case(filer, title=title, case_type=common_pb2.CASE_TYPE_IMMIGRATION)
    # The alien number is not on FilingSubmitted yet; set it as a future petition would.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE docket.cases SET origin_agency = 'Board of Immigration Appeals',"
            " alien_number = 'A012-345-678' WHERE case_number = %s",
            [number],
        )
    seen = public.get(f"/api/v1/cases/{number}").json()
    assert seen["case_type"] == "immigration"
    assert seen["origin"] == {"agency": "Board of Immigration Appeals"}
    assert "A012-345-678" not in public.get(f"/api/v1/cases/{number}/docket").text
    assert "A012-345-678" not in public.get("/api/v1/cases", params={"q": number}).text
    for staff_or_counsel in (clerk, filer.api):
        origin = staff_or_counsel.get(f"/api/v1/cases/{number}").json()["origin"]
        assert origin["alien_number"] == "A012-345-678"

    # The public sees the docket of an immigration case, never its documents.
    entries = docket.wait_entries(public, number, 2)
    (document,) = entries[0]["documents"]
    assert document["may_open"] is False
    # (These test documents are not in the vault: access may also say not_found.)
    assert document["denied_reason"] in {"restricted_case", "unavailable", "not_found"}


def test_docket_metrics_count_cases_entries_and_docketing_delay(
    docket: DocketDriver, public: Api, stack: LocalStack, title: str
) -> None:
    filer = docket.attorney()
    docket.open_case(filer, title=title)
    url = f"http://127.0.0.1:{stack.settings.metrics_port('docket')}/metrics"

    def families() -> dict[str, Any]:
        text = httpx.get(url).text
        return {f.name: f for f in text_string_to_metric_families(text)}

    found = wait_for(
        lambda: (f := families()) and "openecf_docket_filing_to_entry_seconds" in f and f,
        what="docket metrics",
    )
    assert {
        "openecf_docket_cases_opened",
        "openecf_docket_entries_recorded",
        "openecf_docket_filing_to_entry_seconds",
        "openecf_kafka_consumer_lag",
    } <= set(found)
    lag = found["openecf_kafka_consumer_lag"]
    assert any(s.labels.get("consumer") == "docket.filings" for s in lag.samples)
