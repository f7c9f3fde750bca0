"""Reading an NDA the way a tool written for ACMS notices does: by its bold labels.

Each bold label (``<b>`` or ``<strong>``) starts a field; its value is the text and the links
that follow it, up to the next bold label. Shared by the unit tests of the composition and the
integration tests that read the real mail.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# ``<case name> <case number> - <entry, three digits> - <short docket text>``
SUBJECT = re.compile(r"^(?P<name>.*) (?P<case>\d{2}-\d{1,6}) - (?P<entry>\d{3,}) - (?P<short>.+)$")


class _BoldLabels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str, list[str]]] = []
        self.title = ""
        self._bold = False
        self._in_title = False
        self._label = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("b", "strong"):
            self._bold, self._label = True, ""
        elif tag == "title":
            self._in_title = True
        elif tag == "a" and self.fields:
            self.fields[-1][2].append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("b", "strong"):
            self._bold = False
            self.fields.append((self._label.strip(), "", []))
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._bold:
            self._label += data
        elif self.fields:
            label, text, links = self.fields[-1]
            self.fields[-1] = (label, text + data, links)


def bold_fields(html: str) -> list[tuple[str, str, list[str]]]:
    """[(label, its text with whitespace collapsed, its links)] in document order."""
    parser = _BoldLabels()
    parser.feed(html)
    return [(label, " ".join(text.split()), links) for label, text, links in parser.fields]


def html_title(html: str) -> str:
    parser = _BoldLabels()
    parser.feed(html)
    return " ".join(parser.title.split())
