"""PDF intake checks for filed documents (DESIGN.md §3; codes from §4).

Pure logic over the bytes given: no files, no network, no logging. ``inspect_pdf`` trusts
nothing in the file, but pypdf still runs in this process, so callers facing the public use
``services.filing.pdf_sandbox.PdfInspector``, which bounds time and memory per check.

Order of the checks (a later one is skipped when an earlier one settles the answer):
1. ``too_large``  - size over ``max_file_bytes``, before anything is parsed;
2. ``not_pdf``    - no ``%PDF-`` within the first 1024 bytes;
3. ``pdf_malformed`` - no ``%%EOF`` in the last 1024 bytes (truncated), pypdf cannot parse it,
   no pages, too many pages, a damaged/cyclic/huge page tree, a stream over the decoding limit
   (decompression bomb), a graph too deep or too big;
4. ``pdf_encrypted`` - any /Encrypt, even one with an empty user password; stops here;
5. ``pdf_active_content`` and ``pdf_embedded_files`` - from a walk of every object reachable
   from the pages and the catalog;
6. ``pdf_not_searchable`` and ``pii_unredacted`` - from each page's extracted text.
Findings of steps 5 and 6 are reported together.

The not-searchable rule: a page passes when its extracted text has at least
``min_text_chars`` visible characters. A page with less text passes only if it paints nothing
that should carry text: no image (XObject or inline, also inside form XObjects), no glyphs, and
at most ``blank_page_max_path_ops`` path operators (a rule line or a box on a separator page).
So a scan without OCR is refused, as is text converted to outlines or shown with a font that has
no Unicode mapping; a blank or nearly blank separator page is allowed. Known gap: a scan with a
text stamp on it (a Bates number) has some text and passes.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pypdf import PageObject, PdfReader, apply_configuration, get_configuration
from pypdf.errors import DependencyError, LimitReachedError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

NOT_PDF = "not_pdf"
TOO_LARGE = "too_large"
PDF_MALFORMED = "pdf_malformed"
PDF_ENCRYPTED = "pdf_encrypted"
PDF_ACTIVE_CONTENT = "pdf_active_content"
PDF_EMBEDDED_FILES = "pdf_embedded_files"
PDF_NOT_SEARCHABLE = "pdf_not_searchable"
PII_UNREDACTED = "pii_unredacted"
CODES = frozenset(
    {
        NOT_PDF,
        TOO_LARGE,
        PDF_MALFORMED,
        PDF_ENCRYPTED,
        PDF_ACTIVE_CONTENT,
        PDF_EMBEDDED_FILES,
        PDF_NOT_SEARCHABLE,
        PII_UNREDACTED,
    }
)

TOO_COMPLEX = "The PDF could not be checked safely: it is too complex."
UNREADABLE = "The PDF could not be read: it is damaged or not a valid PDF."


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
    max_objects: int = 500_000
    # Nesting of that walk (sibling chains such as bookmarks' /Next do not count).
    max_depth: int = 100
    # Visible characters a page with content must yield to count as text-searchable.
    min_text_chars: int = 1
    # Path operators a text-less page may paint and still count as blank (rules, boxes).
    blank_page_max_path_ops: int = 100


class _Refused(Exception):
    """Stops the checks with one pdf_malformed finding."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def report_for(data: bytes, findings: Iterable[Finding], pages: int = 0) -> PdfReport:
    return PdfReport(
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        pages=pages,
        findings=tuple(findings),
    )


def precheck(data: bytes, limits: PdfLimits) -> PdfReport | None:
    """The checks that need no parsing (size, header); a report only when they refuse."""
    if len(data) > limits.max_file_bytes:
        size = _size_label(limits.max_file_bytes)
        return report_for(data, [Finding(TOO_LARGE, f"The file is larger than {size}.")])
    if b"%PDF-" not in data[:1024]:
        return report_for(data, [Finding(NOT_PDF, "The file is not a PDF.")])
    return None


def inspect_pdf(data: bytes, limits: PdfLimits) -> PdfReport:
    """Check one PDF for filing. MemoryError is left to the caller (the sandbox recycles)."""
    early = precheck(data, limits)
    if early is not None:
        return early
    # Acrobat also wants %%EOF near the end; without it the upload was cut off, even though
    # pypdf's recovery might still find the first pages.
    if b"%%EOF" not in data[-1024:]:
        message = "The PDF is incomplete (no end-of-file marker): it may have been truncated."
        return report_for(data, [Finding(PDF_MALFORMED, message)])
    pages = 0
    try:
        with apply_configuration(get_configuration().with_overwrites(**_pypdf_limits(limits))):
            pages, findings = _inspect_parsed(data, limits)
    except _Refused as refused:
        findings = [Finding(PDF_MALFORMED, refused.message)]
    except MemoryError:
        raise
    except Exception as error:  # pypdf raises many kinds on hostile input
        findings = [Finding(PDF_MALFORMED, TOO_COMPLEX if _is_limit(error) else UNREADABLE)]
    return report_for(data, findings, pages)


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


def _inspect_parsed(data: bytes, limits: PdfLimits) -> tuple[int, list[Finding]]:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except DependencyError:
        # pypdf needs a crypto library for AES-256 keys; only encrypted files get here.
        return 0, [_encrypted()]
    except MemoryError:
        raise
    except Exception:
        if re.search(rb"/Encrypt\b", data):  # a damaged encrypted file: say encrypted
            return 0, [_encrypted()]
        raise
    if reader.is_encrypted:
        return 0, [_encrypted()]

    pages = _pages(reader, limits)
    findings: list[Finding] = []
    scan = _ObjectScan(limits)
    scan.walk_document(reader, pages)
    if scan.active:
        kinds = _join(list(scan.active))
        wheres = _join(_unique(w for found in scan.active.values() for w in found), limit=3)
        findings.append(Finding(PDF_ACTIVE_CONTENT, f"The PDF contains {kinds} {wheres}."))
    if scan.embedded:
        wheres = _join(scan.embedded, limit=3)
        message = f"The PDF has embedded files {wheres}; file them as separate PDFs."
        findings.append(Finding(PDF_EMBEDDED_FILES, message))

    no_text: list[int] = []
    ssn_pages: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text()
            if not _has_text(text, limits.min_text_chars) and _paints_content(page, reader, limits):
                no_text.append(number)
        except MemoryError:
            raise
        except Exception as error:
            if _is_limit(error):
                raise _Refused(TOO_COMPLEX) from error
            raise _Refused(f"Page {number} could not be read: it is damaged.") from error
        if _has_ssn(text):
            ssn_pages.append(number)
    if no_text:
        subject = _pages_label(no_text).capitalize()
        verb = "has" if len(no_text) == 1 else "have"
        findings.append(
            Finding(
                PDF_NOT_SEARCHABLE,
                f"{subject} {verb} no text layer (a scanned image?); run OCR and file again.",
            )
        )
    if ssn_pages:
        findings.append(
            Finding(
                PII_UNREDACTED,
                f"An unredacted Social Security number appears on {_pages_label(ssn_pages)};"
                " redact all but the last four digits.",
            )
        )
    return len(pages), findings


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


# --------------------------------------------------------------------------- object walk

_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action",
    "/RichMediaExecute": "rich media (Flash)",
}
# Back-links and the structure tree: everything a viewer can act on is reachable without them,
# and following them would only lengthen paths (and blur which page a finding is on).
_SKIP_KEYS = frozenset({"/Parent", "/P", "/Prev", "/Last", "/StructTreeRoot", "/ParentTree"})
_SIBLING_KEYS = frozenset({"/Next"})
_CATALOG_PLACES = {
    "/OpenAction": "in the action run when it opens",
    "/AA": "in the document's actions",
    "/Names": "in the document's name tree",
    "/Outlines": "in a bookmark",
    "/AcroForm": "in a form field",
    "/Pages": "in the page tree",
}
_XFA_SCRIPT = re.compile(rb"<script\b|javascript", re.IGNORECASE)


@dataclass
class _ObjectScan:
    """Iterative walk of the object graph: a visited set of references, a depth and a budget."""

    limits: PdfLimits
    active: dict[str, list[str]] = field(default_factory=dict)
    embedded: list[str] = field(default_factory=list)
    visited: set[tuple[int, int]] = field(default_factory=set)
    spent: int = 0

    def walk_document(self, reader: PdfReader, pages: Sequence[PageObject]) -> None:
        refs = [getattr(page, "indirect_reference", None) for page in pages]
        # Every page is a root of its own, so links between pages stop at once.
        self.visited.update((r.idnum, r.generation) for r in refs if r is not None)
        for number, page in enumerate(pages, start=1):
            self._walk(page, f"on page {number}")
        catalog = reader.root_object
        ref = catalog.indirect_reference
        if ref is not None:
            self.visited.add((ref.idnum, ref.generation))
        self._inspect(catalog, "in the document catalog")
        for key, value in catalog.items():
            if key not in _SKIP_KEYS:
                self._walk(value, _CATALOG_PLACES.get(key, "in the document catalog"))

    def _walk(self, root: PdfObject, where: str) -> None:
        stack: list[tuple[PdfObject, int]] = [(root, 0)]
        while stack:
            item, depth = stack.pop()
            obj: PdfObject | None = item
            if isinstance(item, IndirectObject):
                ref = (item.idnum, item.generation)
                if ref in self.visited:
                    continue
                self.visited.add(ref)
                obj = item.get_object()
            if not isinstance(obj, (DictionaryObject, ArrayObject)):
                continue
            if depth > self.limits.max_depth:
                raise _Refused("The PDF's objects are nested too deeply.")
            self.spent += 1
            if self.spent > self.limits.max_objects:
                raise _Refused(TOO_COMPLEX)
            if isinstance(obj, ArrayObject):
                children: Iterable[tuple[object, PdfObject]] = enumerate(obj)
            else:
                self._inspect(obj, where)
                children = obj.items()
            for key, value in children:
                if key in _SKIP_KEYS:
                    continue
                if isinstance(value, (IndirectObject, DictionaryObject, ArrayObject)):
                    stack.append((value, depth if key in _SIBLING_KEYS else depth + 1))

    def _inspect(self, obj: DictionaryObject, where: str) -> None:
        action = _resolved(obj.get("/S"))
        if isinstance(action, str) and action in _ACTIONS:
            self._active(_ACTIONS[action], where)
        # /JS: any action carrying a script (also /Rendition). The /JavaScript name tree itself
        # is not flagged: the walk reaches its actions, and an empty tree runs nothing.
        if "/JS" in obj:
            self._active("JavaScript", where)
        subtype = _resolved(obj.get("/Subtype"))
        if subtype == "/RichMedia":
            self._active("rich media (Flash)", where)
        # A file specification with /EF carries the file (the /EmbeddedFiles name tree only
        # lists those); a /FileAttachment annotation is one even if its file is elsewhere.
        if (
            subtype == "/FileAttachment"
            or "/EF" in obj
            or _resolved(obj.get("/Type")) == "/EmbeddedFile"
        ) and where not in self.embedded:
            self.embedded.append(where)
        if "/XFA" in obj and _xfa_has_script(_resolved(obj.get("/XFA"))):
            self._active("JavaScript", "in an XFA form")

    def _active(self, kind: str, where: str) -> None:
        places = self.active.setdefault(kind, [])
        if where not in places:
            places.append(where)


def _resolved(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if value is not None else None


def _xfa_has_script(xfa: PdfObject | None) -> bool:
    streams: list[PdfObject] = []
    if isinstance(xfa, StreamObject):
        streams.append(xfa)
    elif isinstance(xfa, ArrayObject):
        streams.extend(item.get_object() for item in xfa)
    return any(
        isinstance(stream, StreamObject) and _XFA_SCRIPT.search(stream.get_data()) is not None
        for stream in streams
    )


# --------------------------------------------------------------------------- page content

_SHOW_TEXT = frozenset({b"Tj", b"TJ", b"'", b'"'})
_PATH_OPS = frozenset({b"m", b"l", b"c", b"v", b"y", b"h", b"re"})
_MAX_FORM_DEPTH = 12


# Whitespace, control characters and U+FFFD (what unmappable glyphs extract as) are not text.
_VISIBLE = re.compile("[^\\s\x00-\x1f\x7f-\x9f\ufffd]")


def _has_text(text: str, minimum: int) -> bool:
    return sum(1 for _ in itertools.islice(_VISIBLE.finditer(text), minimum)) >= minimum


def _paints_content(page: PageObject, reader: PdfReader, limits: PdfLimits) -> bool:
    """Whether a page without text paints an image, glyphs or a real drawing."""
    contents = page.get_contents()
    if contents is None:
        return False
    walk = _ContentWalk(reader, limits.blank_page_max_path_ops)
    return walk.paints(contents, _resolved(page.get("/Resources")), depth=0)


@dataclass
class _ContentWalk:
    """Reads content streams (and the form XObjects they call) for anything visible."""

    reader: PdfReader
    allowed_path_ops: int
    path_ops: int = 0
    forms: set[int] = field(default_factory=set)

    def paints(self, content: ContentStream, resources: PdfObject | None, *, depth: int) -> bool:
        for operands, operator in content.operations:
            if operator in _SHOW_TEXT:
                if any(_shows_glyphs(operand) for operand in operands):
                    return True
            elif operator == b"INLINE IMAGE":
                return True
            elif operator in _PATH_OPS:
                self.path_ops += 1
                if self.path_ops > self.allowed_path_ops:
                    return True
            elif operator == b"Do" and operands and self._xobject(operands[0], resources, depth):
                return True
        return False

    def _xobject(self, name: object, resources: PdfObject | None, depth: int) -> bool:
        if not isinstance(resources, DictionaryObject):
            return False
        xobjects = _resolved(resources.get("/XObject"))
        if not isinstance(xobjects, DictionaryObject):
            return False
        xobject = _resolved(xobjects.get(name))
        if not isinstance(xobject, StreamObject):
            return False
        subtype = _resolved(xobject.get("/Subtype"))
        if subtype == "/Image":
            return True
        # Each form is read once per page, and only so deep: forms may call each other.
        if subtype != "/Form" or depth >= _MAX_FORM_DEPTH or id(xobject) in self.forms:
            return False
        self.forms.add(id(xobject))
        inner: PdfObject | None = _resolved(xobject.get("/Resources")) or resources
        return self.paints(ContentStream(xobject, self.reader), inner, depth=depth + 1)


def _shows_glyphs(operand: object) -> bool:
    if isinstance(operand, ArrayObject):
        return any(_shows_glyphs(item) for item in operand)
    if isinstance(operand, NameObject):
        return False
    if isinstance(operand, str):
        return operand.strip(" ") != ""
    if isinstance(operand, bytes):
        return operand.strip(b" ") != b""
    return False


# --------------------------------------------------------------------------- privacy

_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"
_SSN = re.compile(
    rf"(?<![\w{_DASHES}])(\d{{3}})[{_DASHES}](\d{{2}})[{_DASHES}](\d{{4}})(?![\w]|[{_DASHES}]\d)"
)


def _has_ssn(text: str) -> bool:
    """An SSN-shaped number the SSA could have issued (not area 000/666/9xx, group 00...)."""
    for match in _SSN.finditer(text):
        area, group, serial = match.groups()
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            continue
        return True
    return False


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


def _size_label(size: int) -> str:
    if size >= 2**20 and size % 2**20 == 0:
        return f"{size // 2**20} MB"
    return f"{size:,} bytes"
