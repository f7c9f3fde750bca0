"""Paper filings: the clerk-only rule (services/filing/rules.py), the OCR child's refusals
(services/filing/ocr.py, run for real with OCRmyPDF and tesseract), the received day."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pypdf
import pytest
from support.paper_scans import blank_scan, noise_scan, scanned_letter
from support.pdf_corpus import text_1_page

from services.common.errors import ERROR_KINDS, CourtError
from services.common.principal import Principal
from services.filing import ocr
from services.filing.models import FilingRequest, PaperReceipt, Upload
from services.filing.rules import CaseFacts, check_paper_filing

TODAY = date(2026, 12, 2)
CASE = CaseFacts(case_type="immigration", counsel_account_ids=frozenset())
PAPER = FilingRequest(
    filing_type="motion",
    case_number="26-1",
    title="",
    case_type="",
    parties=(),
    description="to reopen",
    uploads=(Upload(role="lead", filename="scan.pdf", content=b""),),
    paper=PaperReceipt(filer_party="Maria Lopez", received_on=TODAY),
)
LIMITS = ocr.OcrLimits(seconds=120, memory_bytes=1024 * 2**20)


def person(role: str) -> Principal:
    return Principal(
        account_id=str(uuid.uuid4()),
        username="someone",
        name="Some One",
        role=role,
        efiler_approved=True,
        mfa_enrolled=True,
        session_id="s",
    )


def refusal(request: FilingRequest, who: str = "clerk", case: CaseFacts | None = CASE) -> str:
    with pytest.raises(CourtError) as raised:
        check_paper_filing(person(who), request, case, today=TODAY)
    return raised.value.code + ":" + raised.value.details.get("field", "")


def test_the_clerk_dockets_a_document_for_a_named_party() -> None:
    check_paper_filing(person("clerk"), PAPER, CASE, today=TODAY)
    check_paper_filing(person("admin"), replace(PAPER, filing_type="letter"), CASE, today=TODAY)


@pytest.mark.parametrize("role", ["attorney", "pro_se", "public"])
def test_nobody_else_does(role: str) -> None:
    assert refusal(PAPER, role) == "forbidden:"


def test_the_form_of_a_paper_filing() -> None:
    assert refusal(replace(PAPER, filing_type="petition_for_review")) == "validation_failed:type"
    assert refusal(replace(PAPER, filing_type="notice_of_appearance")) == "validation_failed:type"
    nameless = replace(PAPER, paper=PaperReceipt("  ", TODAY))
    assert refusal(nameless) == "validation_failed:filer_party"
    tomorrow = replace(PAPER, paper=PaperReceipt("Maria Lopez", date(2026, 12, 3)))
    assert refusal(tomorrow) == "validation_failed:received_on"
    year_one = replace(PAPER, paper=PaperReceipt("Maria Lopez", date(1, 1, 1)))
    assert refusal(year_one) == "validation_failed:received_on"
    assert refusal(PAPER, case=None) == "not_found:"


def test_the_filed_date_is_the_received_day_in_court_time() -> None:
    tz = ZoneInfo("America/Los_Angeles")
    received = PaperReceipt("Maria Lopez", date(2026, 7, 4)).received_at(tz)
    assert received.astimezone(tz).date() == date(2026, 7, 4)
    assert received.utcoffset() is not None and received.utcoffset().total_seconds() == -7 * 3600


def test_the_new_codes_are_api_codes() -> None:
    assert ERROR_KINDS["scan_unreadable"].http_status == 422
    assert ERROR_KINDS["ocr_unavailable"].http_status == 503


# -- OCR, for real ----------------------------------------------------------------------------


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_scan_gets_a_text_layer() -> None:
    scan = scanned_letter(["NOTICE OF CHANGE OF ADDRESS", "Maria Lopez now lives elsewhere."])
    assert text_of(scan).strip() == ""
    read = ocr.add_text_layer(scan, filename="scan.pdf", limits=LIMITS)
    assert "NOTICE OF CHANGE OF ADDRESS" in text_of(read)


def test_a_pdf_with_text_keeps_it() -> None:
    typed = text_1_page()
    kept = ocr.add_text_layer(typed, filename="typed.pdf", limits=LIMITS)
    assert text_of(kept) == text_of(typed)


@pytest.mark.parametrize("scan", [blank_scan, noise_scan], ids=["blank", "noise"])
def test_a_scan_without_readable_text_is_refused(scan: object) -> None:
    with pytest.raises(CourtError) as raised:
        ocr.add_text_layer(scan(), filename="scan.pdf", limits=LIMITS)  # type: ignore[operator]
    assert raised.value.code == "scan_unreadable"


def test_not_a_pdf_is_malformed() -> None:
    with pytest.raises(CourtError) as raised:
        ocr.add_text_layer(b"%PDF-1.7\nnot really", filename="x.pdf", limits=LIMITS)
    assert raised.value.code == "pdf_malformed"


@pytest.mark.parametrize(
    "limits",
    [ocr.OcrLimits(seconds=0.5), ocr.OcrLimits(memory_bytes=160 * 2**20)],
    ids=["time", "memory"],
)
def test_out_of_time_or_memory_is_too_complex(limits: ocr.OcrLimits) -> None:
    scan = scanned_letter(["A LETTER"] * 20)
    with pytest.raises(CourtError) as raised:
        ocr.add_text_layer(scan, filename="scan.pdf", limits=limits)
    assert raised.value.code == "pdf_too_complex"
