"""Real producers' PDFs (tests/data/pdf-corpus, see its SOURCES.md), each with its answer."""

from __future__ import annotations

import pytest
from support.pdf_corpus import REAL_WORLD, REAL_WORLD_DIR

from services.filing.pdf_checks import inspect_pdf
from services.filing.pdf_report import PdfLimits


def test_every_file_in_the_folder_has_an_expected_answer() -> None:
    assert sorted(p.name for p in REAL_WORLD_DIR.glob("*.pdf")) == sorted(REAL_WORLD)


@pytest.mark.parametrize("name", sorted(REAL_WORLD))
def test_real_world_pdf(name: str) -> None:
    expected, pages = REAL_WORLD[name]
    report = inspect_pdf((REAL_WORLD_DIR / name).read_bytes(), PdfLimits())
    assert report.codes == (() if expected is None else (expected,)), report.findings
    assert report.pages == pages
