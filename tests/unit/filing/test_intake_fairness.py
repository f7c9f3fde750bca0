"""The intake's fairness rules over a real sandboxed inspector (no database needed): the first
refused document stops the others, one budget for the whole filing, a few checks per account."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from support.pdf_corpus import CORPUS, text_1_page

from services.common.errors import CourtError
from services.common.principal import Principal
from services.filing.intake import Intake, IntakeLimits
from services.filing.models import FilingRequest, Party, Upload
from services.filing.pdf_sandbox import PdfInspector

COURT = ZoneInfo("America/Los_Angeles")

ALICE = Principal("a1", "alice", "Alice", "attorney", True, True, "s1")
BOB = Principal("b1", "bob", "Bob", "attorney", True, True, "s2")


@pytest.fixture(scope="module")
def inspector() -> Iterator[PdfInspector]:
    with PdfInspector(workers=1) as pool:
        yield pool


def _intake(inspector: PdfInspector, **limits: Any) -> Intake:
    settings = {
        "max_file_bytes": 2**25,
        "max_total_bytes": 2**26,
        "max_attachments": 5,
        "review_types": frozenset(),
        **limits,
    }
    # The pool is not used by the document checks these tests call.
    return Intake(  # type: ignore[arg-type]
        pool=None, vault=None, inspector=inspector, limits=IntakeLimits(**settings), tz=COURT
    )


def _request(*documents: bytes) -> FilingRequest:
    uploads = tuple(
        Upload("lead" if i == 0 else "attachment", f"doc{i}.pdf", d)
        for i, d in enumerate(documents)
    )
    return FilingRequest("motion", "26-1", "", "", (Party("X", "petitioner"),), "", uploads)


def test_the_first_refused_document_stops_the_others(inspector: PdfInspector) -> None:
    intake = _intake(inspector)
    request = _request(CORPUS["js_open_action"].make(), CORPUS["image_only"].make())
    first, reports = intake._check_documents(request, stop_at_first=True)
    assert [(f.code, f.document_index) for f in first] == [("pdf_active_content", 0)]
    assert len(reports) == 1  # the second document was never sent to a worker
    every, reports = intake._check_documents(request, stop_at_first=False)
    assert [(f.code, f.document_index) for f in every] == [
        ("pdf_active_content", 0),
        ("pdf_not_searchable", 1),
    ]
    assert len(reports) == 2


def test_one_budget_for_all_of_a_filings_documents(inspector: PdfInspector) -> None:
    intake = _intake(inspector, check_budget_seconds=1e-6)
    findings, _ = intake._check_documents(
        _request(text_1_page(), text_1_page()), stop_at_first=False
    )
    assert [f.code for f in findings] == ["pdf_too_complex"]
    assert "Clerk" in findings[0].message
    roomy = _intake(inspector, check_budget_seconds=60)
    assert (
        roomy._check_documents(_request(text_1_page(), text_1_page()), stop_at_first=False)[0] == []
    )


def test_an_account_has_at_most_its_share_of_checks_at_once(inspector: PdfInspector) -> None:
    intake = _intake(inspector, max_concurrent_checks=2)
    release = threading.Event()
    entered = threading.Barrier(3)

    def hold() -> None:
        with intake._check_slot(ALICE):
            entered.wait(10)
            release.wait(10)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for thread in holders:
        thread.start()
    entered.wait(10)
    try:
        with pytest.raises(CourtError) as refused, intake._check_slot(ALICE):
            pass
        assert refused.value.code == "rate_limited"
        assert refused.value.retry_after_seconds == 5
        with intake._check_slot(BOB):  # another account is not held up
            pass
    finally:
        release.set()
        for thread in holders:
            thread.join(10)
    with intake._check_slot(ALICE):  # the slots are given back
        pass
    assert intake._checks_running == {}
