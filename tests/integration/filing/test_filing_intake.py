"""Filing through the edge on the real stack: who may file, PDFs, receipts, idempotency."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path

import psutil
import pytest
from support.api import (
    Api,
    docketed_status,
    efiler,
    file,
    notice_of_appearance,
    petition,
    register,
    wait_for,
)
from support.pdf_corpus import CORPUS, REAL_WORLD, REAL_WORLD_DIR, text_1_page, text_10_pages

from services.stack.supervisor import LocalStack

HTTP_FOR = {"not_pdf": 415, "too_large": 413}


@pytest.fixture(scope="module")
def attorney(edge_url: str, clerk: Api) -> Api:
    return efiler(edge_url, clerk)


def test_a_petition_is_received_with_a_receipt(attorney: Api) -> None:
    lead, exhibit = text_10_pages(), text_1_page()
    response = file(attorney, petition(), lead, (exhibit,), key=str(uuid.uuid4()))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["status"] == "received"
    assert receipt["type"] == "petition_for_review"
    utc = datetime.fromisoformat(receipt["received_at"].replace("Z", "+00:00"))
    local = datetime.fromisoformat(receipt["received_at_local"])
    assert utc == local and local.utcoffset() is not None
    assert local.utcoffset().total_seconds() in (-8 * 3600, -7 * 3600)  # PST or PDT
    assert [(d["role"], d["pages"], d["sha256"]) for d in receipt["documents"]] == [
        ("lead", 10, hashlib.sha256(lead).hexdigest()),
        ("attachment", 1, hashlib.sha256(exhibit).hexdigest()),
    ]
    status = attorney.get(f"/api/v1/filings/{receipt['filing_id']}")
    assert status.status_code == 200
    assert status.json()["filing_id"] == receipt["filing_id"]


def test_pdfium_is_loaded_in_the_sandbox_workers_and_never_in_the_filing_service(
    attorney: Api, stack: LocalStack
) -> None:
    """The service hands each PDF to a worker and reads its report: the C++ library that parses
    what the public uploads (and its memory) stays in the limited workers."""
    assert file(attorney, petition(), text_1_page(), check=True).status_code == 200
    process = stack.children["filing"].process
    assert process is not None
    service = psutil.Process(process.pid)
    # The workers are forked by multiprocessing's fork server, the service's child.
    servers = [p for p in service.children() if "forkserver" in " ".join(p.cmdline())]
    workers = [worker for server in servers for worker in server.children()]

    def maps_pdfium(pid: int) -> bool:
        return "pdfium" in Path(f"/proc/{pid}/maps").read_text()

    assert workers and all(maps_pdfium(worker.pid) for worker in workers)
    assert not maps_pdfium(service.pid)


def test_the_same_key_and_body_is_the_same_receipt_another_body_is_a_conflict(
    attorney: Api,
) -> None:
    key, metadata, lead = str(uuid.uuid4()), petition(), text_1_page()
    first = file(attorney, metadata, lead, key=key)
    again = file(attorney, metadata, lead, key=key)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["filing_id"] == first.json()["filing_id"]
    assert again.json()["replayed"] is True
    other = file(attorney, {**metadata, "title": "Something else v. Agency"}, lead, key=key)
    assert (other.status_code, other.json()["code"]) == (409, "duplicate")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_pdf_corpus_through_the_edge(attorney: Api, name: str) -> None:
    item = CORPUS[name]
    checked = file(attorney, petition(), item.make(), check=True)
    assert checked.status_code == 200, checked.text
    codes = [f["code"] for f in checked.json()["findings"]]
    if item.expected is None:
        assert checked.json()["acceptable"] is True, codes
    else:
        assert item.expected in codes, codes
        filed = file(attorney, petition(), item.make())
        assert filed.status_code == HTTP_FOR.get(item.expected, 422), filed.text
        assert filed.json()["code"] in {item.expected, *codes}


@pytest.mark.parametrize("name", sorted(REAL_WORLD))
def test_real_world_pdfs_through_the_edge(attorney: Api, name: str) -> None:
    expected, _ = REAL_WORLD[name]
    checked = file(attorney, petition(), (REAL_WORLD_DIR / name).read_bytes(), check=True)
    assert checked.status_code == 200, checked.text
    codes = [f["code"] for f in checked.json()["findings"]]
    assert codes == ([] if expected is None else [expected])


def test_who_may_file(edge_url: str, clerk: Api) -> None:
    public, _ = register(edge_url, "public")
    refused = file(public, petition(), text_1_page())
    assert (refused.status_code, refused.json()["code"]) == (403, "not_efiler")

    unapproved, _ = register(edge_url, "attorney")
    refused = file(unapproved, petition(), text_1_page())
    assert (refused.status_code, refused.json()["code"]) == (403, "not_efiler")

    no_mfa, _ = register(edge_url, "attorney")
    no_mfa.post("/api/v1/accounts/me/efiler-application")
    clerk.post(f"/api/v1/clerk/efilers/{no_mfa.account['account_id']}/approve")
    refused = file(no_mfa, petition(), text_1_page())
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_required")

    pro_se = efiler(edge_url, clerk, "pro_se")
    refused = file(pro_se, petition(case_type="immigration"), text_1_page())
    assert (refused.status_code, refused.json()["code"]) == (403, "paper_filing_required")
    # Before any other check: not approved to e-file, an incomplete form, and still the
    # plain answer that this party files on paper.
    unapproved_pro_se, _ = register(edge_url, "pro_se")
    for metadata in (
        petition(case_type="immigration"),
        {**petition(case_type="immigration"), "title": ""},
    ):
        refused = file(unapproved_pro_se, metadata, text_1_page())
        assert (refused.status_code, refused.json()["code"]) == (403, "paper_filing_required")
        assert "paper" in refused.json()["detail"]
    assert file(pro_se, petition(case_type="agency"), text_1_page()).status_code == 201

    anonymous = file(Api(edge_url), petition(), text_1_page())
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")


def test_bad_requests_are_clear_errors(attorney: Api, edge_url: str) -> None:
    bad_metadata = [
        {"type": "affidavit"},
        {**petition(), "case_type": "immigrations"},
        {**petition(), "case_number": "26-1"},
        {**petition(), "parties": []},
        {**petition(), "title": ""},
        {"type": "motion", "case_number": "not-a-case"},
        {**petition(), "unexpected": True},
    ]
    for metadata in bad_metadata:
        response = file(attorney, metadata, text_1_page())
        assert response.status_code == 422, (metadata, response.text)
        assert response.json()["code"] == "validation_failed"
    unknown_case = file(attorney, {"type": "motion", "case_number": "99-999999"}, text_1_page())
    assert (unknown_case.status_code, unknown_case.json()["code"]) == (404, "not_found")
    not_multipart = attorney.post("/api/v1/filings", json=petition())
    assert (not_multipart.status_code, not_multipart.json()["code"]) == (422, "validation_failed")
    no_lead = attorney.post(
        "/api/v1/filings",
        files=[("metadata", ("m.json", b'{"type": "motion"}', "application/json"))],
    )
    assert no_lead.status_code == 422
    garbage = attorney.post(
        "/api/v1/filings",
        content=b"--x\r\nnonsense",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert garbage.status_code == 422
    unknown = attorney.get(f"/api/v1/filings/{uuid.uuid4()}")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert attorney.get("/api/v1/filings/'; DROP TABLE filings;--").status_code == 404


def test_an_oversized_upload_is_refused_while_reading(attorney: Api) -> None:
    huge = b"%PDF-1.7\n" + b"0" * (31 * 2**20)
    response = file(attorney, petition(), huge)
    assert (response.status_code, response.json()["code"]) == (413, "too_large")


def test_someone_elses_filing_is_not_found(attorney: Api, edge_url: str) -> None:
    filed = file(attorney, petition(), text_1_page())
    stranger, _ = register(edge_url)
    response = stranger.get(f"/api/v1/filings/{filed.json()['filing_id']}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_petition_is_docketed_and_opens_a_case(attorney: Api) -> None:
    filed = file(attorney, petition(), text_1_page())
    assert filed.status_code == 201
    docketed = docketed_status(attorney, filed.json()["filing_id"])
    assert docketed["case_number"] and docketed["entry_number"] == 1


def test_an_immigration_petitions_a_number_reaches_the_case_but_never_the_public(
    attorney: Api, edge_url: str
) -> None:
    metadata = {
        **petition(case_type="immigration"),
        "origin_agency": "Board of Immigration Appeals",
        "alien_number": "A123456789",
    }
    filed = file(attorney, metadata, text_1_page())
    assert filed.status_code == 201, filed.text

    case_number = docketed_status(attorney, filed.json()["filing_id"])["case_number"]
    mine = attorney.get(f"/api/v1/cases/{case_number}").json()
    assert mine["origin"] == {
        "agency": "Board of Immigration Appeals",
        "alien_number": "A123456789",
    }
    public, _ = register(edge_url)
    theirs = public.get(f"/api/v1/cases/{case_number}")
    assert theirs.status_code == 200
    assert theirs.json()["origin"] == {"agency": "Board of Immigration Appeals"}
    assert "A123456789" not in theirs.text


def test_an_a_number_only_belongs_to_an_immigration_petition(attorney: Api) -> None:
    for metadata in (
        {**petition(case_type="agency"), "alien_number": "A123456789"},
        {**petition(case_type="immigration"), "alien_number": "123"},
    ):
        response = file(attorney, metadata, text_1_page())
        assert (response.status_code, response.json()["code"]) == (422, "validation_failed")


def test_the_filer_gets_a_receipt_and_a_rejection_by_mail(edge_url: str, clerk: Api, stack) -> None:
    from support.api import mail_to

    lawyer = efiler(edge_url, clerk)
    opened = file(lawyer, petition(), text_1_page())
    filing_id = opened.json()["filing_id"]
    receipt = mail_to(stack.maildir, lawyer.account["email"], filing_id[:8])
    assert filing_id in receipt.get_content()
    assert "Received:" in receipt.get_content()

    def case_number() -> str | None:
        return lawyer.get(f"/api/v1/filings/{filing_id}").json()["case_number"]

    number = wait_for(case_number, timeout=30)
    other = efiler(edge_url, clerk)
    appearance = file(
        other,
        notice_of_appearance(number, "Federal Agency", "respondent"),
        text_1_page(),
    )
    assert appearance.status_code == 201, appearance.text
    assert appearance.json()["status"] == "pending_review"
    queue = clerk.get("/api/v1/clerk/queue").json()["filings"]
    assert appearance.json()["filing_id"] in [f["filing_id"] for f in queue]
    rejected = clerk.post(
        f"/api/v1/clerk/filings/{appearance.json()['filing_id']}/reject",
        json={"reason": "The notice names no party; file it again naming the party."},
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    again = clerk.post(f"/api/v1/clerk/filings/{appearance.json()['filing_id']}/accept")
    assert (again.status_code, again.json()["code"]) == (422, "validation_failed")
    # The problem's status is the HTTP one; the filing's own is named apart.
    assert (again.json()["status"], again.json()["filing_status"]) == (422, "rejected")
    mail = mail_to(stack.maildir, other.account["email"], "rejected")
    assert "names no party" in mail.get_content()


def test_a_clerk_accepts_an_appearance_and_the_attorney_becomes_counsel(
    edge_url: str, clerk: Api, attorney: Api
) -> None:
    opened = file(attorney, petition(), text_1_page())

    def case_number() -> str | None:
        return attorney.get(f"/api/v1/filings/{opened.json()['filing_id']}").json()["case_number"]

    number = wait_for(case_number, timeout=30)
    newcomer = efiler(edge_url, clerk)
    motion = {"type": "motion", "case_number": number, "description": "to extend time"}
    refused = file(newcomer, motion, text_1_page())
    assert (refused.status_code, refused.json()["code"]) == (403, "not_counsel_of_record")
    appearance = file(
        newcomer,
        notice_of_appearance(number, "Federal Agency", "respondent"),
        text_1_page(),
    )
    accepted = clerk.post(f"/api/v1/clerk/filings/{appearance.json()['filing_id']}/accept")
    assert accepted.status_code == 200, accepted.text

    assert docketed_status(newcomer, appearance.json()["filing_id"])["entry_number"] == 3
    twice = clerk.post(f"/api/v1/clerk/filings/{appearance.json()['filing_id']}/accept")
    assert (twice.status_code, twice.json()["status"]) == (422, 422), twice.text
    assert twice.json()["filing_status"] == "docketed"
    # Counsel of record now: filing hears of it from docket's events.
    allowed = wait_for(
        lambda: (lambda r: r if r.status_code == 201 else None)(
            file(newcomer, motion, text_1_page())
        ),
        timeout=30,
    )
    assert allowed.json()["status"] == "received"


@pytest.mark.parametrize(
    "metadata",
    [
        # (A NUL never gets this far: the edge refuses it first, test_hostile_inputs.)
        {"type": "motion", "case_number": "26-1", "title": "Motion\x07to extend"},
        {**petition(), "title": "Doe v. Agency\u202e"},
        {**petition(), "parties": [{"name": "A.\u2066 Petitioner", "role": "petitioner"}]},
        {**petition(), "description": "to review\x1b[2J the order"},
    ],
)
def test_control_and_bidi_characters_are_refused_alike_by_check_and_submit(
    attorney: Api, metadata: dict[str, object]
) -> None:
    checked = file(attorney, metadata, text_1_page(), check=True)
    assert checked.status_code == 200, checked.text
    assert "invalid_text" in [f["code"] for f in checked.json()["findings"]]
    submitted = file(attorney, metadata, text_1_page(), key=str(uuid.uuid4()))
    assert (submitted.status_code, submitted.json()["code"]) == (422, "invalid_text")
    assert submitted.json()["field"] in {"title", "parties", "description"}


def test_a_file_name_that_reads_backwards_is_refused(attorney: Api) -> None:
    import json

    response = attorney.post(
        "/api/v1/filings",
        files=[
            ("metadata", ("m.json", json.dumps(petition()).encode(), "application/json")),
            ("lead", ("order\u202efdp.exe", text_1_page(), "application/pdf")),
        ],
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid_text")
