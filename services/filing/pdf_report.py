"""What a PDF check answers, and the limits it runs under: the codes and their findings, the
report, the limits, and the checks that need no parsing.

Apart from the checks themselves (``pdf_checks``: pypdf and PDFium) so that the filing
service's own process, which only hands files to the sandbox's workers and reads their reports,
never loads the PDF libraries (13 MB of its memory, a tenth of its start).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NOT_PDF = "not_pdf"
TOO_LARGE = "too_large"
PDF_MALFORMED = "pdf_malformed"
PDF_TOO_COMPLEX = "pdf_too_complex"
PDF_ENCRYPTED = "pdf_encrypted"
PDF_ACTIVE_CONTENT = "pdf_active_content"
PDF_EMBEDDED_FILES = "pdf_embedded_files"
PDF_NOT_SEARCHABLE = "pdf_not_searchable"
PII_UNREDACTED = "pii_unredacted"
PDF_BAD_REDACTION = "pdf_bad_redaction"
CODES = frozenset(
    {
        NOT_PDF,
        TOO_LARGE,
        PDF_MALFORMED,
        PDF_TOO_COMPLEX,
        PDF_ENCRYPTED,
        PDF_ACTIVE_CONTENT,
        PDF_EMBEDDED_FILES,
        PDF_NOT_SEARCHABLE,
        PII_UNREDACTED,
        PDF_BAD_REDACTION,
    }
)

# What to do when a valid file is too big or too complex to check in the time allowed.
TOO_COMPLEX = (
    "The PDF could not be checked in the time allowed: it is too long or too complex. Split it"
    " into smaller documents (volumes, each as an attachment) or contact the Clerk's Office."
)


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass(frozen=True)
class PdfReport:
    sha256: str
    size_bytes: int
    pages: int
    findings: tuple[Finding, ...] = ()
    # Visible characters of text on each page (as PDFium extracts it), in page order.
    text_chars: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(finding.code for finding in self.findings)


@dataclass(frozen=True)
class PdfLimits:
    max_file_bytes: int = 50 * 2**20
    max_pages: int = 5000
    # Decoded bytes allowed for any one stream (or a page's /Contents array): the bomb limit.
    max_stream_bytes: int = 64 * 2**20
    # Dictionaries and arrays visited while looking for active content and embedded files.
    max_objects: int = 2_000_000
    # Nesting of that walk (sibling chains such as bookmarks' /Next do not count).
    max_depth: int = 100
    # Visible characters a page with content must yield to count as text-searchable.
    min_text_chars: int = 1
    # Path operators a text-less page may paint and still count as blank (rules, boxes).
    blank_page_max_path_ops: int = 100
    # Time allowed for one check: a base (parsing, the object walk) plus a share per page.
    base_seconds: float = 10.0
    seconds_per_page: float = 0.02

    def seconds_for(self, pages: int) -> float:
        return self.base_seconds + self.seconds_per_page * pages


def report_for(
    data: bytes, findings: Iterable[Finding], pages: int = 0, text_chars: Sequence[int] = ()
) -> PdfReport:
    return PdfReport(
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        pages=pages,
        findings=tuple(findings),
        text_chars=tuple(text_chars),
    )


def precheck(data: bytes, limits: PdfLimits) -> PdfReport | None:
    """The checks that need no parsing (size, header); a report only when they refuse."""
    if len(data) > limits.max_file_bytes:
        size = _size_label(limits.max_file_bytes)
        return report_for(data, [Finding(TOO_LARGE, f"The file is larger than {size}.")])
    if not has_pdf_header(data):
        return report_for(data, [Finding(NOT_PDF, "The file is not a PDF.")])
    return None


def has_pdf_header(data: bytes) -> bool:
    """``%PDF-`` within the first 1024 bytes, where readers look for it."""
    return b"%PDF-" in data[:1024]


def _size_label(size: int) -> str:
    if size >= 2**20 and size % 2**20 == 0:
        return f"{size // 2**20} MB"
    return f"{size:,} bytes"
