"""One printable PDF for paper service: the NDA's text set as pages, then the entry's documents.

The NDA pages are written here as a minimal PDF (Courier, the standard 14 fonts need no
embedding, US Letter), so no typesetting dependency is needed; pypdf (already the PDF checks'
library) then appends the documents as they were filed.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable

from pypdf import PdfReader, PdfWriter

_WIDTH, _HEIGHT = 612, 792  # US Letter, in points
_MARGIN = 54
_FONT_SIZE = 10
_LEADING = 12
# Courier is 0.6 em wide: the characters a line and the lines a page hold.
_COLUMNS = int((_WIDTH - 2 * _MARGIN) / (_FONT_SIZE * 0.6))
_ROWS = int((_HEIGHT - 2 * _MARGIN) / _LEADING)


def _lines(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        lines.extend(textwrap.wrap(paragraph, _COLUMNS, break_long_words=True) or [""])
    return lines


def _pdf_string(line: str) -> bytes:
    # WinAnsi is cp1252 for what a notice holds; anything else prints as "?".
    raw = line.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(lines: Iterable[str]) -> bytes:
    top = _HEIGHT - _MARGIN - _FONT_SIZE
    body = b" T*\n".join(_pdf_string(line) + b" Tj" for line in lines)
    return f"BT /F1 {_FONT_SIZE} Tf {_LEADING} TL {_MARGIN} {top} Td\n".encode() + body + b"\nET"


def text_pdf(text: str) -> bytes:
    """``text`` as pages of a PDF whose text layer is the text itself (searchable)."""
    lines = _lines(text) or [""]
    pages = [lines[i : i + _ROWS] for i in range(0, len(lines), _ROWS)]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for page_lines in pages:
        stream = _content(page_lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        contents = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (_WIDTH, _HEIGHT, contents)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def packet(notice_text: str, documents: Iterable[bytes]) -> bytes:
    """The NDA, then each document in order: one file to print and mail."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf(notice_text))))
    for document in documents:
        writer.append(PdfReader(io.BytesIO(document)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
