"""What PDFium reads of each page: its text, and whether live text lies under an opaque shape.

PDFium (pypdfium2, the engine in Chrome) extracts text about twenty times faster than pypdf and
joins the text runs a producer wrote separately, as a reader sees them. Page objects and
character boxes come from its C API (``pypdfium2.raw``), which the helpers do not wrap.

Failed redaction: a filled, opaque, dark shape painted after some text (so on top of it) that
covers the centre of one of its characters. The black box hides the text on screen while the
text stays in the file, selectable and searchable. Unapplied redaction annotations, opaque
dark square annotations and dark highlights over text count too. A shape painted before the
text (a table cell's shading) does not: the text is drawn on top of it. Light shapes do not
either: word processors and form producers paint white backgrounds over stray label text
(LibreOffice forms do), and nobody redacts in white or yellow; a translucent highlight hides
nothing. Known gap: shapes and text inside form XObjects are not compared.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw

__all__ = ["PageText", "PdfiumDocument", "PdfiumError"]

PdfiumError = pdfium.PdfiumError
# A rectangle is at most a move, three or four lines and a close.
_MAX_BOX_SEGMENTS = 6
_OPAQUE = 255
# Relative luminance (0 black .. 255 white) at or under which a fill reads as a redaction box.
_DARK = 90


@dataclass(frozen=True)
class PageText:
    text: str
    covered_text: bool  # live characters under an opaque filled shape or annotation


class PdfiumDocument:
    """One PDF opened by PDFium, read page by page (each page closed after use)."""

    def __init__(self, data: bytes) -> None:
        self._doc = pdfium.PdfDocument(data)

    def __enter__(self) -> PdfiumDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        self._doc.close()

    def __len__(self) -> int:
        return len(self._doc)

    def pages(self, before: Callable[[int], bool] = lambda index: True) -> Iterator[PageText]:
        """Each page's text in order. ``before(index)`` runs first and may raise to stop; it
        answers whether the page may paint boxes over its text (False skips that search)."""
        for index in range(len(self._doc)):
            may_cover = before(index)
            page = self._doc[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()
                    covered = may_cover and _covered_text(page.raw, textpage.raw)
                finally:
                    textpage.close()
            finally:
                page.close()
            yield PageText(text, covered)


def _covered_text(page: object, textpage: object) -> bool:
    boxes = _opaque_boxes(page)
    if not boxes:
        return False
    order: dict[int | None, int] = {}
    for index in range(raw.FPDFPage_CountObjects(page)):
        obj = raw.FPDFPage_GetObject(page, index)
        if raw.FPDFPageObj_GetType(obj) == raw.FPDF_PAGEOBJ_TEXT:
            order[_address(obj)] = index
    left, right = ctypes.c_double(), ctypes.c_double()
    bottom, top = ctypes.c_double(), ctypes.c_double()
    for char in range(raw.FPDFText_CountChars(textpage)):
        code = raw.FPDFText_GetUnicode(textpage, char)
        if code <= 0x20 or code == 0xFFFE or raw.FPDFText_IsGenerated(textpage, char) == 1:
            continue
        if not raw.FPDFText_GetCharBox(
            textpage,
            char,
            ctypes.byref(left),
            ctypes.byref(right),
            ctypes.byref(bottom),
            ctypes.byref(top),
        ):
            continue
        # Text inside a form XObject has no top-level index: treat it as painted first.
        painted = order.get(_address(raw.FPDFText_GetTextObject(textpage, char)), -1)
        x, y = (left.value + right.value) / 2, (bottom.value + top.value) / 2
        for after, (x0, y0, x1, y1) in boxes:
            if after > painted and x0 <= x <= x1 and y0 <= y <= y1:
                return True
    return False


def _opaque_boxes(page: object) -> list[tuple[float, tuple[float, float, float, float]]]:
    """(paint order, bounds) of every opaque dark box on the page, annotations last."""
    boxes: list[tuple[float, tuple[float, float, float, float]]] = []
    count = raw.FPDFPage_CountObjects(page)
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for index in range(count):
        obj = raw.FPDFPage_GetObject(page, index)
        if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_PATH:
            continue
        if not raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
            continue
        if fill.value == raw.FPDF_FILLMODE_NONE or not _opaque_dark(obj):
            continue
        if raw.FPDFPath_CountSegments(obj) > _MAX_BOX_SEGMENTS:
            continue  # a glyph drawn as outlines, a logo: not a box
        bounds = _bounds(obj)
        if bounds is not None:
            boxes.append((index, bounds))
    for index in range(raw.FPDFPage_GetAnnotCount(page)):
        annot = raw.FPDFPage_GetAnnot(page, index)
        try:
            rect = _annotation_box(annot)
        finally:
            raw.FPDFPage_CloseAnnot(annot)
        if rect is not None:
            boxes.append((float(count), rect))
    return boxes


def _opaque_dark(obj: object) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFPageObj_GetFillColor(
        obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)
    ):
        return False
    if a.value != _OPAQUE or raw.FPDFPageObj_HasTransparency(obj):
        return False
    return _dark(r.value, g.value, b.value)


def _dark(r: int, g: int, b: int) -> bool:
    return 0.2126 * r + 0.7152 * g + 0.0722 * b <= _DARK


def _bounds(obj: object) -> tuple[float, float, float, float] | None:
    x0, y0, x1, y1 = (ctypes.c_float() for _ in range(4))
    if not raw.FPDFPageObj_GetBounds(
        obj, ctypes.byref(x0), ctypes.byref(y0), ctypes.byref(x1), ctypes.byref(y1)
    ):
        return None
    return (x0.value, y0.value, x1.value, y1.value)


def _annotation_box(annot: object) -> tuple[float, float, float, float] | None:
    """An unapplied redaction mark, an opaque dark square, or a dark highlight (viewers
    multiply a highlight's colour into the page: black over text leaves only black)."""
    subtype = raw.FPDFAnnot_GetSubtype(annot)
    if subtype in (raw.FPDF_ANNOT_SQUARE, raw.FPDF_ANNOT_HIGHLIGHT):
        which = (
            raw.FPDFANNOT_COLORTYPE_InteriorColor
            if subtype == raw.FPDF_ANNOT_SQUARE
            else raw.FPDFANNOT_COLORTYPE_Color
        )
        r, g, b, a = (ctypes.c_uint() for _ in range(4))
        filled = raw.FPDFAnnot_GetColor(
            annot, which, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)
        )
        if not filled or a.value != _OPAQUE or not _dark(r.value, g.value, b.value):
            return None
    elif subtype != raw.FPDF_ANNOT_REDACT:
        return None
    rect = raw.FS_RECTF()
    if not raw.FPDFAnnot_GetRect(annot, ctypes.byref(rect)):
        return None
    return (
        min(rect.left, rect.right),
        min(rect.bottom, rect.top),
        max(rect.left, rect.right),
        max(rect.bottom, rect.top),
    )


def _address(obj: object) -> int | None:
    return ctypes.cast(obj, ctypes.c_void_p).value  # type: ignore[arg-type]
