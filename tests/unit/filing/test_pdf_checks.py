"""The PDF intake checks, in process, over the generated corpus (tests/support/pdf_corpus.py)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

import pytest
from support.pdf_corpus import (
    CORPUS,
    JS,
    SSN_LINE,
    PdfBuilder,
    text_1_page,
    text_10_pages,
    text_content,
    text_doc,
    text_pdf,
)

from services.filing import pdf_privacy, pdf_report
from services.filing.pdf_checks import inspect_pdf
from services.filing.pdf_report import PdfLimits

LIMITS = PdfLimits()


@pytest.fixture(scope="module")
def reports() -> dict[str, tuple[pdf_report.PdfReport, float]]:
    out = {}
    for name, item in CORPUS.items():
        data = item.make()
        started = time.monotonic()
        report = inspect_pdf(data, LIMITS)
        out[name] = (report, time.monotonic() - started)
    return out


@pytest.mark.parametrize("name", list(CORPUS))
def test_every_corpus_file_gets_its_expected_answer(name: str, reports: dict) -> None:
    item = CORPUS[name]
    report, seconds = reports[name]
    expected = () if item.expected is None else (item.expected,)
    assert report.codes == expected, [f.message for f in report.findings]
    assert report.ok is (item.expected is None)
    if item.pages is not None:
        assert report.pages == item.pages
    # Hostile structure is refused in seconds in process already (about 1 s for the worst on
    # an idle 2-core machine); the sandbox's timeout is the real bound, this only catches hangs.
    assert seconds < 30.0


@pytest.mark.parametrize("name", list(CORPUS))
def test_size_and_sha256_are_those_of_the_bytes(name: str, reports: dict) -> None:
    data = CORPUS[name].make()
    report, _ = reports[name]
    assert report.size_bytes == len(data)
    assert report.sha256 == hashlib.sha256(data).hexdigest()


def test_corpus_is_deterministic() -> None:
    for name, item in CORPUS.items():
        fresh = getattr(item.make, "__wrapped__", item.make)()  # bypass the cache
        assert fresh == item.make(), name


def test_corpus_items_unpack_as_factory_and_expected_code() -> None:
    make, expected = CORPUS["image_only"]
    assert expected == "pdf_not_searchable"
    assert make().startswith(b"%PDF-")


def test_the_ssn_is_never_in_a_message_and_the_page_is(reports: dict) -> None:
    report, _ = reports["ssn_unredacted"]
    (finding,) = report.findings
    assert "page 2" in finding.message
    assert not any(ch.isdigit() for ch in finding.message.replace("page 2", ""))
    for name, (report, _) in reports.items():
        for finding in report.findings:
            assert "6789" not in finding.message, name


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("SSN 123-45-6789.", True),
        ("(SSN:123-45-6789)", True),
        ("SSN 000-12-3456", False),
        ("SSN 666-12-3456", False),
        ("SSN 912-34-5678", False),
        ("SSN 123-00-4567", False),
        ("SSN 123-45-0000", False),
        ("SSN XXX-XX-6789", False),
        ("Call 415-555-0100", False),
        ("Dated 2021-05-01", False),
        ("Serial 9123-45-6789-0", False),
        ("Parts 123-45-6789-1", False),
    ],
)
def test_ssn_rule(text: str, flagged: bool) -> None:
    report = inspect_pdf(text_pdf([["Declaration of the petitioner.", text]]), LIMITS)
    assert report.codes == (("pii_unredacted",) if flagged else ())


def test_ssn_written_with_unicode_hyphens_is_caught() -> None:
    # A word processor's non-breaking hyphen must not hide the number.
    assert pdf_privacy.identifiers("SSN 123\u201145\u20116789") == [pdf_privacy.SSN]
    assert pdf_privacy.identifiers("SSN 123\u201345\u20136789") == [pdf_privacy.SSN]


def test_messages_name_the_page() -> None:
    def message(name: str) -> str:
        return inspect_pdf(CORPUS[name].make(), LIMITS).findings[0].message

    assert "page 2" in message("js_link_annotation")
    assert "page 2" in message("launch_action")
    assert "page 2" in message("file_attachment_annotation")
    assert message("mixed_scan_on_page_2").startswith("Page 2 has no text layer")
    assert "bookmark" in message("launch_in_bookmark")
    assert "opens" in message("js_open_action")


def test_several_findings_at_once() -> None:
    b = PdfBuilder()
    image = b.add_stream(
        bytes(64),
        b"/Type /XObject /Subtype /Image /Width 8 /Height 8"
        b" /ColorSpace /DeviceGray /BitsPerComponent 8",
    )
    pages: list[Sequence[str] | bytes] = [
        ["Brief."],
        b"q 612 0 0 792 0 0 cm /Im0 Do Q\n",
        [SSN_LINE],
    ]
    b, catalog, info = text_doc(
        pages,
        builder=b,
        catalog_extra=b"/OpenAction " + JS,
        resources=b"/XObject << /Im0 %d 0 R >> " % image,
    )
    report = inspect_pdf(b.build(root=catalog, info=info), LIMITS)
    assert report.pages == 3
    assert report.codes == ("pdf_active_content", "pdf_not_searchable", "pii_unredacted")
    assert "Page 2" in report.findings[1].message
    assert "page 3" in report.findings[2].message


def test_pages_without_text_are_listed_as_ranges() -> None:
    b = PdfBuilder()
    image = b.add_stream(
        bytes(64),
        b"/Type /XObject /Subtype /Image /Width 8 /Height 8"
        b" /ColorSpace /DeviceGray /BitsPerComponent 8",
    )
    scan = b"q 612 0 0 792 0 0 cm /Im0 Do Q\n"
    pages: list[Sequence[str] | bytes] = [scan, scan, scan, ["text"], scan]
    data = text_pdf(pages, builder=b, resources=b"/XObject << /Im0 %d 0 R >> " % image)
    (finding,) = inspect_pdf(data, LIMITS).findings
    assert finding.message.startswith("Pages 1\u20133 and 5 have no text layer")


def test_too_large_is_checked_before_anything_else() -> None:
    small = PdfLimits(max_file_bytes=1000)
    report = inspect_pdf(text_10_pages(), small)
    assert report.codes == ("too_large",)
    assert report.pages == 0
    assert inspect_pdf(b"not a pdf at all" * 100, small).codes == ("too_large",)
    assert "50 MB" in inspect_pdf(b"x" * (LIMITS.max_file_bytes + 1), LIMITS).findings[0].message


def test_page_limit() -> None:
    report = inspect_pdf(text_10_pages(), PdfLimits(max_pages=9))
    assert report.codes == ("pdf_malformed",)
    assert "more than 9 pages" in report.findings[0].message
    assert inspect_pdf(text_10_pages(), PdfLimits(max_pages=10)).ok


def test_encrypted_stops_further_checks() -> None:
    report = inspect_pdf(CORPUS["encrypted_empty_user_password"].make(), LIMITS)
    assert report.codes == ("pdf_encrypted",)
    assert report.pages == 0


def test_a_file_with_junk_before_a_late_header_is_not_a_pdf_but_within_1024_it_is() -> None:
    assert inspect_pdf(b"\n" * 1000 + text_1_page(), LIMITS).codes != ("not_pdf",)
    assert inspect_pdf(b"\n" * 1100 + text_1_page(), LIMITS).codes == ("not_pdf",)


def test_object_budget_refuses_a_graph_too_big_to_walk_as_too_complex() -> None:
    # Issue 17: running out of a budget is pdf_too_complex (the file may be valid), not malformed.
    report = inspect_pdf(text_10_pages(), PdfLimits(max_objects=5))
    assert report.codes == ("pdf_too_complex",)
    assert report.findings[0].message == pdf_report.TOO_COMPLEX


def test_decoded_stream_limit_is_configurable() -> None:
    # 64 KiB of decoded content per stream is plenty for text, not for this bomb.
    report = inspect_pdf(CORPUS["bomb_content_array"].make(), PdfLimits(max_stream_bytes=2**16))
    assert report.codes == ("pdf_malformed",)
    assert inspect_pdf(text_10_pages(), PdfLimits(max_stream_bytes=2**16)).ok


def test_a_scan_with_only_a_bates_stamp_passes_unless_more_text_is_required() -> None:
    # The documented gap of the default rule, and the knob that closes it.
    b = PdfBuilder()
    image = b.add_stream(
        bytes(64),
        b"/Type /XObject /Subtype /Image /Width 8 /Height 8"
        b" /ColorSpace /DeviceGray /BitsPerComponent 8",
    )
    stamp = b"q 612 0 0 792 0 0 cm /Im0 Do Q\nBT /F1 8 Tf 500 20 Td (ROE-000123) Tj ET\n"
    data = text_pdf([stamp], builder=b, resources=b"/XObject << /Im0 %d 0 R >> " % image)
    assert inspect_pdf(data, LIMITS).ok
    assert inspect_pdf(data, PdfLimits(min_text_chars=40)).codes == ("pdf_not_searchable",)


def test_running_out_of_time_is_too_complex_and_says_what_to_do() -> None:
    no_time = PdfLimits(base_seconds=0.0, seconds_per_page=0.0)
    report = inspect_pdf(text_10_pages(), no_time)
    assert report.codes == ("pdf_too_complex",)
    assert "Split" in report.findings[0].message and "Clerk" in report.findings[0].message
    # The caller's budget (the filing's remaining time) caps the page budget.
    assert inspect_pdf(text_10_pages(), LIMITS, budget_seconds=0.0).codes == ("pdf_too_complex",)
    assert inspect_pdf(text_10_pages(), LIMITS, budget_seconds=30.0).ok


def test_the_time_allowed_grows_with_the_page_count() -> None:
    limits = PdfLimits(base_seconds=2.0, seconds_per_page=0.01)
    assert limits.seconds_for(0) == 2.0
    assert limits.seconds_for(1000) == pytest.approx(12.0)
    assert limits.seconds_for(5000) > limits.seconds_for(1000)


def test_pages_and_text_per_page_are_recorded() -> None:
    heard: list[int] = []
    report = inspect_pdf(CORPUS["blank_separator_page"].make(), LIMITS, on_pages=heard.append)
    assert heard == [3]
    assert report.pages == 3 and len(report.text_chars) == 3
    assert report.text_chars[0] > 100 and report.text_chars[1] == 0 and report.text_chars[2] > 100


def test_each_privacy_finding_names_the_kind_and_the_place() -> None:
    pages: list[Sequence[str] | bytes] = [
        ["Brief."],
        ["Date of birth: 03/14/1986."],
        ["Wire it to account number 004512398761."],
        ["SSN 123 45 6789."],
    ]
    b, catalog, _ = text_doc(pages)
    info = b.add(b"<< /Subject (TIN 12-3456789) >>")
    (finding,) = inspect_pdf(b.build(root=catalog, info=info), LIMITS).findings
    assert finding.code == "pii_unredacted"
    assert "a Social Security number on page 4" in finding.message
    assert "a full date of birth on page 2" in finding.message
    assert "a financial-account number on page 3" in finding.message
    assert "a taxpayer-identification number in the document information" in finding.message
    assert "6789" not in finding.message and "1986" not in finding.message


def test_a_failed_redaction_names_its_pages_and_a_true_one_passes() -> None:
    bad = inspect_pdf(CORPUS["box_over_live_text"].make(), LIMITS)
    assert bad.codes == ("pdf_bad_redaction",)
    assert "page 2" in bad.findings[0].message
    assert inspect_pdf(CORPUS["box_with_text_removed"].make(), LIMITS).ok
    # A white box over text is layout (form producers do it), not a redaction.
    white = b"q 1 1 1 rg 150 735 120 16 re f Q\n"
    words = text_content(["The informant, John Q. Witness, testified on page 7."])
    assert inspect_pdf(text_pdf([words + white]), LIMITS).ok
    # A translucent highlight over text hides nothing.
    text = b"BT /F1 11 Tf 72 740 Td (Highlighted words) Tj ET\n"
    glass = b"/GS0 gs 1 1 0 rg 70 735 120 16 re f\n"
    data = text_pdf([text + glass], resources=b"/ExtGState << /GS0 << /ca 0.4 >> >> ")
    assert inspect_pdf(data, LIMITS).ok


@pytest.mark.parametrize(
    ("action", "flagged"),
    [
        (b"<< /S /URI /URI (https://www.ca9.uscourts.gov/) >>", False),
        (b"<< /S /URI /URI (mailto:clerk@example.invalid) >>", False),
        (b"<< /S /URI /URI (JavaScript:void\\(0\\)) >>", True),
        (b"<< /S /URI /URI (file:///C:/x.pdf) >>", True),
        (b"<< /S /URI /URI (\\\\\\\\server\\\\share) >>", True),
        (b"<< /S /URI /URI (//server/share) >>", True),
        (b"<< /S /GoTo /D [0 /Fit] >>", False),
        (b"<< /S /GoToR /F (other.pdf) /D [0 /Fit] >>", True),
        (b"<< /S /SubmitForm /F << /FS /URL /F (https://x.invalid) >> >>", True),
        (b"<< /S /ImportData /F (data.fdf) >>", True),
        (b"<< /S /Launch /F (calc.exe) >>", True),
    ],
)
def test_outgoing_actions(action: bytes, flagged: bool) -> None:
    annotation = b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 712] /A " + action + b" >>"
    data = text_pdf([["A link."]], page_extra=lambda index, page: b"/Annots [" + annotation + b"] ")
    report = inspect_pdf(data, LIMITS)
    assert report.codes == (("pdf_active_content",) if flagged else ()), report.findings
