"""PDF intake checks for filed documents (docs/architecture.md: "The court's rules", and the
codes in "Errors").

Pure logic over the bytes given: no files, no network, no logging. ``inspect_pdf`` trusts
nothing in the file, but pypdf and PDFium still run in this process, so callers facing the
public use ``services.filing.pdf_sandbox.PdfInspector``, which bounds time and memory per check.

Structure comes from pypdf (``pdf_structure``), page text and page objects from PDFium
(``pdf_pages``), the privacy rule from ``pdf_privacy``; the codes, the report, the limits and
the checks before parsing from ``pdf_report``.

Order of the checks (a later one is skipped when an earlier one settles the answer):
1. ``too_large``  - size over ``max_file_bytes``, before anything is parsed;
2. ``not_pdf``    - no ``%PDF-`` within the first 1024 bytes;
3. ``pdf_malformed`` - no ``%%EOF`` in the last 1024 bytes (truncated), pypdf or PDFium cannot
   parse it, no pages, too many pages, a damaged/cyclic/huge page tree, a stream over the
   decoding limit (decompression bomb), a graph nested too deeply;
4. ``pdf_encrypted`` - any /Encrypt, even one with an empty user password; stops here;
5. ``pdf_active_content`` and ``pdf_embedded_files`` - from a walk of every object reachable
   from the pages and the catalog;
6. ``pdf_not_searchable``, ``pii_unredacted`` and ``pdf_bad_redaction`` - from each page's text
   and objects (and, for privacy, annotation contents, form values and document information).
Findings of steps 5 and 6 are reported together.

Time: a check may take ``PdfLimits.seconds_for(pages)`` of CPU time, which grows with the page
count (and the caller may cap it in wall time: the filing's remaining budget). Running out of
it, or out of the object budget, is ``pdf_too_complex``, never ``pdf_malformed``: the file may
be valid.

The not-searchable rule: a page passes when its extracted text has at least
``min_text_chars`` visible characters. A page with less text passes only if it paints nothing
that should carry text: no image (XObject or inline, also inside form XObjects), no glyphs, and
at most ``blank_page_max_path_ops`` path operators (a rule line or a box on a separator page).
So a scan without OCR is refused, as is text converted to outlines or shown with a font that has
no Unicode mapping; a blank or nearly blank separator page is allowed. Known gap: a scan with a
text stamp on it (a Bates number) has some text and passes.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pypdf import PageObject, PdfReader, apply_configuration, get_configuration
from pypdf.errors import DependencyError, LimitReachedError
from pypdf.generic import DictionaryObject, PdfObject

from services.filing import pdf_privacy
from services.filing.pdf_pages import PdfiumDocument, PdfiumError
from services.filing.pdf_report import (
    PDF_ACTIVE_CONTENT,
    PDF_BAD_REDACTION,
    PDF_EMBEDDED_FILES,
    PDF_ENCRYPTED,
    PDF_MALFORMED,
    PDF_NOT_SEARCHABLE,
    PDF_TOO_COMPLEX,
    PII_UNREDACTED,
    TOO_COMPLEX,
    Finding,
    PdfLimits,
    PdfReport,
    precheck,
    report_for,
)
from services.filing.pdf_structure import (
    ObjectScan,
    StructureRefused,
    StructureTooBig,
    paints_content,
)

OVER_LIMITS = "The PDF could not be checked safely: a part of it expands beyond the limits."
UNREADABLE = "The PDF could not be read: it is damaged or not a valid PDF."


class _Refused(Exception):
    """Stops the checks with one finding (pdf_malformed unless told otherwise)."""

    def __init__(self, message: str, code: str = PDF_MALFORMED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class _Clock:
    """The check's deadlines: the page budget in CPU seconds of this process (so a busy
    machine does not turn a valid file into a refusal), the caller's cap in wall seconds."""

    limits: PdfLimits
    cap: float | None
    started: float = field(default_factory=time.monotonic)
    started_cpu: float = field(default_factory=time.process_time)
    allowed_cpu: float = 0.0

    def __post_init__(self) -> None:
        self.allowed_cpu = self.limits.base_seconds

    def pages_known(self, pages: int) -> None:
        self.allowed_cpu = self.limits.seconds_for(pages)

    def check(self) -> None:
        over_cap = self.cap is not None and time.monotonic() - self.started > self.cap
        if over_cap or time.process_time() - self.started_cpu > self.allowed_cpu:
            raise _Refused(TOO_COMPLEX, PDF_TOO_COMPLEX)


def inspect_pdf(
    data: bytes,
    limits: PdfLimits,
    *,
    budget_seconds: float | None = None,
    on_pages: Callable[[int], None] | None = None,
) -> PdfReport:
    """Check one PDF for filing. MemoryError is left to the caller (the sandbox recycles).

    ``budget_seconds`` caps the time (the filing's remaining budget); ``on_pages`` hears the
    page count as soon as it is known (the sandbox's parent sets its own deadline from it).
    """
    early = precheck(data, limits)
    if early is not None:
        return early
    # Acrobat also wants %%EOF near the end; without it the upload was cut off, even though
    # pypdf's recovery might still find the first pages.
    if b"%%EOF" not in data[-1024:]:
        message = "The PDF is incomplete (no end-of-file marker): it may have been truncated."
        return report_for(data, [Finding(PDF_MALFORMED, message)])
    clock = _Clock(limits, budget_seconds)
    check = _Check(data, limits, clock, on_pages or (lambda pages: None))
    try:
        with apply_configuration(get_configuration().with_overwrites(**_pypdf_limits(limits))):
            findings = check.run()
    except _Refused as refused:
        findings = [Finding(refused.code, refused.message)]
    except MemoryError:
        raise
    except Exception as error:  # pypdf raises many kinds on hostile input
        findings = [Finding(PDF_MALFORMED, OVER_LIMITS if _is_limit(error) else UNREADABLE)]
    return report_for(data, findings, check.pages, check.text_chars)


def _pypdf_limits(limits: PdfLimits) -> dict[str, int]:
    stream = limits.max_stream_bytes
    return {
        "maximum_declared_stream_length": stream,
        "array_based_stream_maximum_output_length": stream,
        "zlib_maximum_output_length": stream,
        "lzw_maximum_output_length": stream,
        "run_length_maximum_output_length": stream,
        "brotli_maximum_output_length": stream,
        "jbig2_maximum_output_length": stream,
        "image_maximum_buffer_size": stream,
        "stream_decoding_work_maximum_length": 4 * stream,
        # Pages plus intermediate nodes: a balanced tree never needs twice the pages.
        "page_tree_maximum_entries": 2 * limits.max_pages + 64,
    }


@dataclass
class _Check:
    data: bytes
    limits: PdfLimits
    clock: _Clock
    on_pages: Callable[[int], None]
    pages: int = 0
    text_chars: list[int] = field(default_factory=list)
    _pypdf_pages: Sequence[PageObject] = ()

    def run(self) -> list[Finding]:
        try:
            reader = PdfReader(io.BytesIO(self.data), strict=False)
        except DependencyError:
            # pypdf needs a crypto library for AES-256 keys; only encrypted files get here.
            return [_encrypted()]
        except MemoryError:
            raise
        except Exception:
            if re.search(rb"/Encrypt\b", self.data):  # a damaged encrypted file: say encrypted
                return [_encrypted()]
            raise
        if reader.is_encrypted:
            return [_encrypted()]

        pages = _pages(reader, self.limits)
        self.clock.pages_known(len(pages))
        self.on_pages(len(pages))
        self.clock.check()
        scan = ObjectScan(max_objects=self.limits.max_objects, max_depth=self.limits.max_depth)
        try:
            scan.walk_document(reader, pages)
        except StructureTooBig as error:
            raise _Refused(TOO_COMPLEX, PDF_TOO_COMPLEX) from error
        except StructureRefused as error:
            raise _Refused(str(error)) from error
        self.clock.check()
        findings: list[Finding] = []
        if scan.active:
            kinds = _join(list(scan.active))
            wheres = _join(_unique(w for found in scan.active.values() for w in found), limit=3)
            findings.append(Finding(PDF_ACTIVE_CONTENT, f"The PDF contains {kinds} {wheres}."))
        if scan.embedded:
            wheres = _join(scan.embedded, limit=3)
            message = f"The PDF has embedded files {wheres}; file them as separate PDFs."
            findings.append(Finding(PDF_EMBEDDED_FILES, message))
        findings.extend(self._read_pages(reader, pages, scan.strings))
        self.pages = len(pages)
        return findings

    def _bounded(self, index: int) -> bool:
        """Decode the page's content under pypdf's limits (PDFium would inflate a bomb without
        a bound); whether it may paint a box over text (a fill operator, or annotations)."""
        if index % _CLOCK_EVERY == 0:
            self.clock.check()
        page = self._pypdf_pages[index]
        try:
            contents = page.get_contents()
        except MemoryError:
            raise
        except Exception as error:
            if _is_limit(error):
                raise _Refused(OVER_LIMITS) from error
            raise _Refused(f"Page {index + 1} could not be read: it is damaged.") from error
        if "/Annots" in page:
            return True
        return contents is not None and _FILL.search(contents.get_data()) is not None

    def _read_pages(
        self, reader: PdfReader, pages: Sequence[PageObject], strings: Sequence[tuple[str, str]]
    ) -> list[Finding]:
        self._pypdf_pages = pages
        no_text: list[int] = []
        covered: list[int] = []
        pii: dict[str, list[str]] = {}
        try:
            document = PdfiumDocument(self.data)
        except PdfiumError as error:
            raise _Refused(UNREADABLE) from error
        with document:
            if len(document) != len(pages):
                raise _Refused("The PDF's page tree is damaged: readers disagree on its pages.")
            # pypdf decodes each page's content under its stream limits before PDFium reads
            # it: PDFium itself would inflate a decompression bomb without a bound.
            for number, page in enumerate(document.pages(before=self._bounded), start=1):
                visible = _visible_chars(page.text)
                self.text_chars.append(visible)
                if visible < self.limits.min_text_chars and _paints(
                    pages[number - 1], reader, self.limits, number
                ):
                    no_text.append(number)
                if page.covered_text:
                    covered.append(number)
                for kind in pdf_privacy.identifiers(page.text):
                    pii.setdefault(kind, []).append(f"on page {number}")
        for where, text in strings:
            place = f"in an annotation or form field {where}" if where[:3] == "on " else where
            for kind in pdf_privacy.identifiers(text):
                places = pii.setdefault(kind, [])
                if place not in places:
                    places.append(place)
        return _page_findings(no_text, pii, covered)


def _page_findings(
    no_text: list[int], pii: dict[str, list[str]], covered: list[int]
) -> list[Finding]:
    """What the pages' reading found, said once each: pages without text, identifiers and
    where they are, text under an opaque box."""
    findings: list[Finding] = []
    if no_text:
        subject = _pages_label(no_text).capitalize()
        verb = "has" if len(no_text) == 1 else "have"
        findings.append(
            Finding(
                PDF_NOT_SEARCHABLE,
                f"{subject} {verb} no text layer (a scanned image?); run OCR and file again.",
            )
        )
    if pii:
        found = "; ".join(f"{kind} {_places(wheres)}" for kind, wheres in pii.items())
        findings.append(
            Finding(
                PII_UNREDACTED,
                f"Unredacted personal identifiers (privacy rule): {found}. Show only the"
                " last four digits of a number and the year of a birth date.",
            )
        )
    if covered:
        findings.append(
            Finding(
                PDF_BAD_REDACTION,
                f"Text is still present under a black box or other opaque shape on"
                f" {_pages_label(covered)}: covering text does not remove it. Remove the"
                " text itself (a real redaction tool), then file again.",
            )
        )
    return findings


def _paints(page: PageObject, reader: PdfReader, limits: PdfLimits, number: int) -> bool:
    try:
        return paints_content(page, reader, limits.blank_page_max_path_ops)
    except MemoryError:
        raise
    except Exception as error:
        if _is_limit(error):
            raise _Refused(OVER_LIMITS) from error
        raise _Refused(f"Page {number} could not be read: it is damaged.") from error


def _places(wheres: Sequence[str]) -> str:
    pages = [int(w.removeprefix("on page ")) for w in wheres if re.fullmatch(r"on page \d+", w)]
    others = [w for w in wheres if not re.fullmatch(r"on page \d+", w)]
    parts = ([f"on {_pages_label(pages)}"] if pages else []) + others
    return _join(parts, limit=4)


# Whitespace, control characters and U+FFFD (what unmappable glyphs extract as) are not text.
_INVISIBLE = dict.fromkeys(
    [*range(0x20), *range(0x7F, 0xA0), 0xFFFD, 0xFFFE]
    + [c for c in range(0x3001) if chr(c).isspace()]
)
# A fill operator (f, F, f*, B, B*, b, b*) as a token of a content stream: only pages that paint
# filled shapes can hide text under one. A string that merely contains " f " costs a closer look.
_FILL = re.compile(rb"(?:^|\s)[fFbB]\*?(?=\s|$)")
# The clock is read every few pages: reading a CPU clock is a system call.
_CLOCK_EVERY = 8


def _visible_chars(text: str) -> int:
    return len(text.translate(_INVISIBLE))


def _encrypted() -> Finding:
    return Finding(
        PDF_ENCRYPTED, "The PDF is encrypted or password-protected; save it without security."
    )


def _is_limit(error: BaseException) -> bool:
    """A pypdf safety limit was hit (maybe wrapped in another error on the way up)."""
    cause: BaseException | None = error
    for _ in range(16):
        if cause is None:
            return False
        if isinstance(cause, LimitReachedError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _resolved(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if value is not None else None


def _pages(reader: PdfReader, limits: PdfLimits) -> list[PageObject]:
    # Refuse an absurd /Count before walking the tree; the walk itself is bounded by the
    # page_tree_maximum_entries configured in _pypdf_limits, whatever /Count claims.
    tree = _resolved(reader.root_object.get("/Pages"))
    claimed = _resolved(tree.get("/Count")) if isinstance(tree, DictionaryObject) else None
    if isinstance(claimed, int) and claimed > limits.max_pages:
        raise _Refused(f"The PDF has more than {limits.max_pages} pages.")
    try:
        pages = list(reader.pages)
    except MemoryError:
        raise
    except Exception as error:
        raise _Refused("The PDF's page tree is damaged, cyclic or too large.") from error
    if not pages:
        raise _Refused("The PDF has no pages.")
    if len(pages) > limits.max_pages:
        raise _Refused(f"The PDF has more than {limits.max_pages} pages.")
    return pages


# --------------------------------------------------------------------------- wording


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _join(items: Sequence[str], limit: int = 6) -> str:
    items = list(items)
    if len(items) > limit:
        items = [*items[:limit], "elsewhere"]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _pages_label(numbers: Sequence[int]) -> str:
    """ "page 3", "pages 1-4 and 9" (runs of consecutive pages collapse)."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    parts = [f"{a}" if a == b else f"{a}\u2013{b}" for a, b in runs]
    if len(parts) > 6:
        parts = [*parts[:6], f"{len(parts) - 6} more"]
    word = "page" if len(numbers) == 1 else "pages"
    return f"{word} {_join(parts, limit=7)}"
