"""The HTML inside ACMS's case API: docket text, and the party and attorney table.

ACMS serves ``docketEntryText`` and ``partyAttorneyList`` as HTML fragments. Both are read with
the standard library's ``html.parser`` (never rendered, never trusted): tags are dropped,
entities decoded, script and style content ignored. What is kept is plain text.

The party table has one row per party: the first cell holds the party's name and, on the next
line, its role ("Petitioner"); the second cell holds its attorneys, one block (``<p>``,
``<div>``, or lines separated by a blank line) per attorney: the name first, then the firm,
phone, ``Email: …`` (or a ``mailto:`` link) and ACMS's bracketed flags (``[COR LD NTC
Retained]``). A party with no attorney (pro se) has an empty second cell or "Pro Se".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Tags that end a line, and tags that end a block (an attorney in the counsel cell).
_LINE_BREAKS = frozenset({"li", "tr"})
_BLOCKS = frozenset({"p", "div", "hr", "ul", "ol", "table"})
_IGNORED = frozenset({"script", "style", "head", "title"})
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_NOT_A_FIRM = re.compile(
    r"^(email|e-mail|direct|phone|tel|fax|cell)\b|^\[|@|^\(?\d{3}\)?[ .-]?\d{3}", re.I
)
_PRO_SE = re.compile(r"^\s*pro\s*se\b", re.I)
ROLES = {
    "petitioner": "petitioner",
    "petitioners": "petitioner",
    "respondent": "respondent",
    "respondents": "respondent",
    "appellant": "appellant",
    "appellee": "appellee",
    "intervenor": "intervenor",
    "amicus": "amicus",
    "amicus curiae": "amicus",
}


def one_line(text: str) -> str:
    return " ".join(text.split())


class _TextParser(HTMLParser):
    """Text of an HTML fragment as lines grouped into blocks (a list of lists of lines)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.mailtos: list[list[str]] = [[]]
        self._line: list[str] = []
        self._ignoring = 0

    def _end_line(self) -> None:
        line = one_line("".join(self._line))
        self._line = []
        if line:
            self.blocks[-1].append(line)
        elif self.blocks[-1]:
            self._end_block()  # a blank line (<br><br>) separates attorneys too

    def _end_block(self) -> None:
        self._end_line_only()
        if self.blocks[-1]:
            self.blocks.append([])
            self.mailtos.append([])

    def _end_line_only(self) -> None:
        line = one_line("".join(self._line))
        self._line = []
        if line:
            self.blocks[-1].append(line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _IGNORED:
            self._ignoring += 1
        elif tag in _BLOCKS:
            self._end_block()
        elif tag == "br":
            self._end_line()
        elif tag in _LINE_BREAKS:
            self._end_line_only()
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if href.lower().startswith("mailto:"):
                self.mailtos[-1].append(href[7:].split("?")[0].strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _IGNORED:
            self._ignoring = max(0, self._ignoring - 1)
        elif tag in _BLOCKS:
            self._end_block()
        elif tag in ("li", "td", "th"):
            self._end_line_only()

    def handle_data(self, data: str) -> None:
        if not self._ignoring:
            self._line.append(data)

    def result(self) -> list[tuple[list[str], list[str]]]:
        self.close()
        self._end_block()
        return [
            (lines, mails) for lines, mails in zip(self.blocks, self.mailtos, strict=True) if lines
        ]


def text_of(fragment: str) -> str:
    """The plain text of an HTML fragment, as one paragraph (docket text is one paragraph)."""
    parser = _TextParser()
    parser.feed(fragment)
    return one_line(" ".join(line for lines, _ in parser.result() for line in lines))


@dataclass(frozen=True)
class Attorney:
    name: str
    firm: str
    email: str  # "" when the table gives none


@dataclass(frozen=True)
class Party:
    name: str
    role: str  # one of ROLES' values, or "unspecified"
    attorneys: list[Attorney] = field(default_factory=list)


class _TableParser(HTMLParser):
    """The cells of each table row, each cell's inner HTML kept for _TextParser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.rows: list[list[str]] = []
        self.header_rows: set[int] = set()
        self._cell: list[str] | None = None
        self._depth = 0  # nested tables inside a cell stay in that cell

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._cell is not None and (self._depth or tag not in ("td", "th", "tr")):
            if tag == "table":
                self._depth += 1
            self._cell.append(self.get_starttag_text() or "")
            return
        if tag == "tr":
            self._close_cell()
            self.rows.append([])
        elif tag in ("td", "th"):
            self._close_cell()
            if not self.rows:
                self.rows.append([])
            if tag == "th":
                self.header_rows.add(len(self.rows) - 1)
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._cell is not None and self._depth:
            if tag == "table":
                self._depth -= 1
            self._cell.append(f"</{tag}>")
            return
        if tag in ("td", "th", "tr", "table"):
            self._close_cell()
        elif self._cell is not None:
            self._cell.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_entityref(self, name: str) -> None:
        if self._cell is not None:
            self._cell.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if self._cell is not None:
            self._cell.append(f"&#{name};")

    def _close_cell(self) -> None:
        if self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None


def _attorney(lines: list[str], mailtos: list[str]) -> Attorney | None:
    name = lines[0].strip(" ,;")
    if not name or _PRO_SE.match(name):
        return None
    emails = mailtos + [m.group(0) for line in lines for m in _EMAIL.finditer(line)]
    firm = next((line for line in lines[1:] if not _NOT_A_FIRM.search(line)), "")
    return Attorney(name=name, firm=firm, email=emails[0].lower() if emails else "")


def _role(line: str) -> str:
    return ROLES.get(one_line(line).strip(" ,;:-").lower(), "unspecified")


def parties_of(fragment: str) -> list[Party]:
    """Parties and their attorneys from ACMS's ``partyAttorneyList``.

    Raises ValueError when the fragment holds no table row with a party in it.
    """
    table = _TableParser()
    table.feed(fragment)
    table.close()
    table._close_cell()
    parties: list[Party] = []
    for index, cells in enumerate(table.rows):
        if index in table.header_rows or not cells:
            continue
        party_blocks = _blocks(cells[0])
        if not party_blocks:
            continue
        lines = [line for block, _ in party_blocks for line in block]
        name = lines[0].strip(" ,;")
        role = next(
            (_role(line) for line in lines[1:] if _role(line) != "unspecified"), "unspecified"
        )
        attorneys = [
            attorney
            for cell in cells[1:]
            for block, mails in _blocks(cell)
            if (attorney := _attorney(block, mails)) is not None
        ]
        head, _, tail = name.rpartition(",")
        if role == "unspecified" and head and _role(tail) != "unspecified":
            name, role = head.strip(), _role(tail)  # "MARIA LOPEZ, Petitioner" on one line
        parties.append(Party(name=name, role=role, attorneys=attorneys))
    if not parties:
        raise ValueError("no party rows in the table")
    return parties


def _blocks(fragment: str) -> list[tuple[list[str], list[str]]]:
    parser = _TextParser()
    parser.feed(fragment)
    return parser.result()
