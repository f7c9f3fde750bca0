"""The clerk dockets a paper filing on a party's behalf, through the edge on the real stack:
the scan (an image-only PDF) gets a text layer by OCR, the entry names the party as filer and
the received day as the filed date, and the stored document's text is extractable."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import httpx
import pypdf
import pytest
from support.api import Api, docketed_status, efiler, file, petition
from support.paper_scans import blank_scan, scanned_letter
from support.pdf_corpus import text_1_page
from support.stack import court_today

SCAN_LINES = [
    "MOTION TO REOPEN",
    "The respondent asks the court to reopen",
    "this case for good cause shown.",
]


@pytest.fixture(scope="module")
def attorney(edge_url: str, clerk: Api) -> Api:
    return efiler(edge_url, clerk)


@pytest.fixture(scope="module")
def case_number(attorney: Api) -> str:
    filed = file(attorney, petition(), text_1_page())
    assert filed.status_code == 201, filed.text
    return str(docketed_status(attorney, filed.json()["filing_id"])["case_number"])


def paper_filing(api: Api, case_number: str, scan: bytes, **metadata: Any) -> httpx.Response:
    body = {
        "type": "motion",
        "description": "to reopen",
        "filer_party": "Federal Agency",
        "received_on": court_today().isoformat(),
        **metadata,
    }
    files = [
        ("metadata", ("metadata.json", json.dumps(body).encode(), "application/json")),
        ("lead", ("scan.pdf", scan, "application/pdf")),
    ]
    return httpx.post(
        f"{api.base_url}/api/v1/clerk/cases/{case_number}/paper-filings",
        files=files,
        headers={"Authorization": f"Bearer {api.token}"},
        timeout=300,
    )


def test_a_scan_is_docketed_for_the_party_with_a_searchable_text_layer(
    clerk: Api, case_number: str
) -> None:
    scan = scanned_letter(SCAN_LINES)
    assert pypdf.PdfReader(io.BytesIO(scan)).pages[0].extract_text().strip() == ""
    received_on = court_today() - timedelta(days=2)
    filed = paper_filing(clerk, case_number, scan, received_on=received_on.isoformat())
    assert filed.status_code == 201, filed.text
    receipt = filed.json()
    assert receipt["filed_on_paper"] is True
    assert receipt["filer"] == {"account_id": clerk.account["account_id"], "name": "Federal Agency"}
    assert receipt["filed_date"] == received_on.isoformat()

    entry_number = docketed_status(clerk, receipt["filing_id"])["entry_number"]
    sheet = clerk.get(f"/api/v1/cases/{case_number}/docket").json()
    (entry,) = [e for e in sheet["entries"] if e["number"] == entry_number]
    assert entry["text"].startswith("MOTION filed by Federal Agency for to reopen.")
    clerk_name = clerk.account["name"]
    assert f"Filed on paper {received_on:%m/%d/%Y}; entered by {clerk_name}." in entry["text"]

    (document,) = entry["documents"]
    stored = clerk.get(f"/api/v1/documents/{document['document_id']}")
    assert stored.status_code == 200, stored.text
    text = pypdf.PdfReader(io.BytesIO(stored.content)).pages[0].extract_text()
    assert "MOTION TO REOPEN" in text and "good cause" in text


def test_a_scan_ocr_cannot_read_is_refused_with_its_code(clerk: Api, case_number: str) -> None:
    refused = paper_filing(clerk, case_number, blank_scan())
    assert (refused.status_code, refused.json()["code"]) == (422, "scan_unreadable")


def test_a_scan_over_the_size_limit_is_refused_before_ocr(clerk: Api, case_number: str) -> None:
    too_big = scanned_letter(SCAN_LINES) + b"\n%" + b"x" * (31 * 2**20)
    refused = paper_filing(clerk, case_number, too_big)
    assert (refused.status_code, refused.json()["code"]) == (413, "too_large")


@pytest.mark.parametrize("scan", [b"abc", b""], ids=["text", "empty"])
def test_a_scan_that_is_not_a_pdf_is_refused_as_such(
    clerk: Api, case_number: str, scan: bytes
) -> None:
    """Not handed to OCR, which took it for an image and failed as if it were too complex."""
    refused = paper_filing(clerk, case_number, scan)
    assert (refused.status_code, refused.json()["code"]) == (415, "not_pdf"), refused.text


def test_the_received_day_and_the_type_are_checked(clerk: Api, case_number: str) -> None:
    scan = scanned_letter(SCAN_LINES)
    for day in [(court_today() + timedelta(days=2)).isoformat(), "0001-01-01"]:
        refused = paper_filing(clerk, case_number, scan, received_on=day)
        assert (refused.status_code, refused.json()["code"]) == (422, "validation_failed")
        assert refused.json()["field"] == "received_on"
    petition_on_paper = paper_filing(clerk, case_number, scan, type="petition_for_review")
    assert (petition_on_paper.status_code, petition_on_paper.json()["code"]) == (
        422,
        "validation_failed",
    )
    unknown_case = paper_filing(clerk, "26-999999", scan)
    assert (unknown_case.status_code, unknown_case.json()["code"]) == (404, "not_found")


def test_only_the_clerk_dockets_paper_filings(attorney: Api, case_number: str) -> None:
    refused = paper_filing(attorney, case_number, scanned_letter(SCAN_LINES))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    anonymous = httpx.post(
        f"{attorney.base_url}/api/v1/clerk/cases/{case_number}/paper-filings",
        files=[("lead", ("scan.pdf", b"%PDF-", "application/pdf"))],
        timeout=30,
    )
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")
