"""What pypdf reads of a PDF's structure: actions, embedded files, strings outside the pages'
text, and whether a page without text paints anything.

An iterative walk of every object reachable from the pages and the catalog, with a visited set,
a depth limit and an object budget. It finds
- active content: JavaScript, and actions that launch programs, send or fetch data, or open other
  documents (``/Launch``, ``/SubmitForm``, ``/ImportData``, ``/GoToR``, ``/GoToE``, rich media,
  and ``/URI`` actions whose target is ``javascript:``, ``file:`` or a network path);
- embedded files (file specifications carrying a file, file-attachment annotations);
- the strings a reader sees besides the page text: annotation contents, form-field values and
  the document information, for the Rule 5.2(a) check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pypdf import PageObject, PdfReader
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)


class StructureRefused(Exception):
    """The object graph is damaged or hostile (nested too deeply)."""


class StructureTooBig(Exception):
    """The object graph has more objects than the walk's budget."""


_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action",
    "/RichMediaExecute": "rich media (Flash)",
    "/SubmitForm": "a form submission to another site",
    "/ImportData": "an import of outside data",
    "/GoToR": "a link that opens another file",
    "/GoToE": "a link into an embedded or other file",
}
# A URI action may only open web or mail addresses: a script, a local file or a network share
# (\\host\share, //host/share) is refused.
_UNSAFE_URI = re.compile(r"^\s*(?:javascript:|vbscript:|data:|file:|\\\\|//)", re.IGNORECASE)
# Back-links and the structure tree: everything a viewer can act on is reachable without them,
# and following them would only lengthen paths (and blur which page a finding is on).
_SKIP_KEYS = frozenset({"/Parent", "/P", "/Prev", "/Last", "/StructTreeRoot", "/ParentTree"})
_SIBLING_KEYS = frozenset({"/Next"})
# Strings a reader sees outside the page content: annotation text, rich text, field values.
_VISIBLE_STRINGS = frozenset({"/Contents", "/RC", "/V", "/DV"})
_CATALOG_PLACES = {
    "/OpenAction": "in the action run when it opens",
    "/AA": "in the document's actions",
    "/Names": "in the document's name tree",
    "/Outlines": "in a bookmark",
    "/AcroForm": "in a form field",
    "/Pages": "in the page tree",
}
_XFA_SCRIPT = re.compile(rb"<script\b|javascript", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")
MAX_STRINGS = 20_000


@dataclass
class ObjectScan:
    """Iterative walk of the object graph: a visited set of references, a depth and a budget."""

    max_objects: int
    max_depth: int
    active: dict[str, list[str]] = field(default_factory=dict)
    embedded: list[str] = field(default_factory=list)
    # (where, text) of annotation contents, form values and the document information.
    strings: list[tuple[str, str]] = field(default_factory=list)
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
        info = _resolved(reader.trailer.get("/Info"))
        if isinstance(info, DictionaryObject):
            for value in info.values():
                self._string("in the document information", _resolved(value))

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
            if depth > self.max_depth:
                raise StructureRefused("The PDF's objects are nested too deeply.")
            self.spent += 1
            if self.spent > self.max_objects:
                raise StructureTooBig
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
        if action == "/URI":
            target = _resolved(obj.get("/URI"))
            if isinstance(target, (str, bytes)) and _UNSAFE_URI.match(_text(target)):
                self._active("a link to a script, a local file or a network share", where)
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
        if isinstance(obj, StreamObject) and subtype == "/Form":
            obj.get_data()  # decoded under pypdf's limits: PDFium will parse it, unbounded
        if "/XFA" in obj and _xfa_has_script(_resolved(obj.get("/XFA"))):
            self._active("JavaScript", "in an XFA form")
        if not isinstance(obj, StreamObject):
            for key in _VISIBLE_STRINGS.intersection(obj.keys()):
                self._string(where, _resolved(obj.get(key)))

    def _string(self, where: str, value: PdfObject | None) -> None:
        if isinstance(value, (str, bytes)) and len(self.strings) < MAX_STRINGS:
            self.strings.append((where, _TAG.sub(" ", _text(value))))

    def _active(self, kind: str, where: str) -> None:
        places = self.active.setdefault(kind, [])
        if where not in places:
            places.append(where)


def _text(value: str | bytes) -> str:
    if isinstance(value, (TextStringObject, str)):
        return str(value)
    return value.decode("latin-1")


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


def paints_content(page: PageObject, reader: PdfReader, max_path_ops: int) -> bool:
    """Whether a page without text paints an image, glyphs or a real drawing."""
    contents = page.get_contents()
    if contents is None:
        return False
    walk = _ContentWalk(reader, max_path_ops)
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
