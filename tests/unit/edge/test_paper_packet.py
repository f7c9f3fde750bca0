"""The paper-service packet (services/edge/paper_packet.py): the NDA as searchable pages, then
the documents as filed."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
from support.pdf_corpus import text_1_page, text_10_pages

from services.edge.paper_packet import packet, text_pdf

NDA = (
    "Notice of Docket Activity\n"
    "\n"
    "Case Name: Doe (Jane) v. Agency \\ Ñandú\n"
    "Case Number: 26-1234\n"
    "Docket Text:\n" + "MOTION filed by Federal Agency for a very long reason. " * 12
)


def test_the_notice_is_set_as_text_every_tool_reads() -> None:
    pdf = text_pdf(NDA)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Case Name: Doe (Jane) v. Agency \\ Ñandú" in text
    assert "Case Number: 26-1234" in text
    pdfium_text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "Notice of Docket Activity" in pdfium_text


def test_long_notices_wrap_and_run_onto_more_pages() -> None:
    pdf = text_pdf("\n".join(f"line {n} " + "word " * 40 for n in range(120)))
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 2
    text = "".join(p.extract_text() for p in pages)
    assert "line 0 " in text and "line 119 " in text


def test_the_packet_is_the_notice_then_each_document_in_order() -> None:
    documents = [text_10_pages(), text_1_page()]
    pages = pypdf.PdfReader(io.BytesIO(packet(NDA, documents))).pages
    assert len(pages) == 1 + 10 + 1
    assert "Notice of Docket Activity" in pages[0].extract_text()
    filed = [
        page.extract_text() for d in documents for page in pypdf.PdfReader(io.BytesIO(d)).pages
    ]
    assert [p.extract_text() for p in pages[1:]] == filed
