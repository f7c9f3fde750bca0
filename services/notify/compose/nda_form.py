"""The words of a Notice of Docket Activity, in ACMS's own form, as plain text and as HTML.

Attorneys and the public run tools on the Ninth Circuit's ACMS notices, so ours keep that form:
- subject ``<case name> <case number> - <entry, three digits> - <short docket text>``;
- the note to public access users, the court's name, "Notice of Docket Activity", the
  transaction line (entered at, with seconds and PST/PDT; filed on, the court-local day);
- each label in bold followed by its value: ``Case Name:``, ``Case Number:`` (a link to the
  case page), ``Docket Text:`` (the text alone, ending ``[Entered: MM/DD/YYYY hh:mm AM]``), one
  ``Document:`` per document followed by this recipient's own free-look link;
- "Notice will be electronically mailed to:" and "Case participants listed below will not
  receive this electronic notice:" (the paper-service list).
The text part carries the same labels in the same order. Every value is escaped in the HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.common.clock import court_time

PUBLIC_NOTE_LABEL = "***NOTE TO PUBLIC ACCESS USERS***"
PUBLIC_NOTE = (
    "Judicial Conference of the United States policy permits attorneys of record and parties in "
    "a case (including pro se litigants) to receive one free electronic copy of all documents "
    "filed electronically, if receipt is required by law or directed by the filer. PACER access "
    "fees apply to all other users. To avoid later charges, download a copy of each document "
    "during this first viewing. However, if the referenced document is a transcript, the free "
    "copy and 30 page limit do not apply."
)
TITLE = "Notice of Docket Activity"
CASE_NAME = "Case Name:"
CASE_NUMBER = "Case Number:"
DOCKET_TEXT = "Docket Text:"
DOCUMENT = "Document:"
MAILED_TO = "Notice will be electronically mailed to:"
NOT_MAILED_TO = "Case participants listed below will not receive this electronic notice:"
FREE_LOOK_NOTE = (
    "Each document link below is yours alone: the first view within 15 days is free, and the "
    "link then stops working. Opening it asks you to confirm first."
)
SEALED_NOTE = "This entry is sealed: its documents are available to court staff only."
SEALED_TEXT = "SEALED ENTRY."


def shown_entry(docket_text: str, documents: list[Any], *, sealed: bool) -> tuple[str, list[Any]]:
    """What a notice may show of an entry (its text, its documents' names): of a sealed one,
    neither, as the docket sheet shows it to anyone but court staff."""
    return (SEALED_TEXT, []) if sealed else (docket_text, documents)


RESTRICTED_NOTE = (
    "Documents in this case are available online only to counsel of record and court staff "
    "(Fed. R. Civ. P. 5.2(c))."
)
NO_LINK_NOTE = "no free-look link could be issued; open it from the case's docket sheet"
REASON_LABELS = {
    "counsel": "you are counsel of record in this case",
    "secondary": "this address is a secondary address of {owner}",
    "subscriber": "you asked for the notices of this case",
    "paper": "you are a participant in this case served by mail",
}
# The stamp ACMS ends a docket text with; an entry that already carries one (imported from
# ACMS) keeps its own rather than getting a second.
_ENTERED_STAMP = re.compile(r"\s*\[Entered: \d{2}/\d{2}/\d{4} \d{2}:\d{2} [AP]M\]\s*$")
SHORT_TEXT_MAX = 80


@dataclass(frozen=True)
class DocumentLine:
    number: int
    filename: str
    pages: int
    link: str | None  # this recipient's free-look link, when they have one
    note: str | None = None  # why there is no link


def document_lines(
    documents: list[dict[str, Any]],
    link_of: Callable[[str], str | None] = lambda _document_id: None,
    *,
    note_without_link: str | None = None,
) -> list[DocumentLine]:
    """The entry's documents as the notice lists them, numbered from 1, each with its link
    (``link_of`` a document id) or, without one, ``note_without_link``."""
    lines = []
    for number, document in enumerate(documents, start=1):
        link = link_of(document["document_id"])
        lines.append(
            DocumentLine(
                number=number,
                filename=document.get("filename") or document["document_id"],
                pages=int(document.get("pages") or 0),
                link=link,
                note=None if link else note_without_link,
            )
        )
    return lines


@dataclass(frozen=True)
class MailedTo:
    name: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class NotMailedTo:
    """A participant served on paper: no e-mail on file, or notices turned off."""

    name: str
    detail: str  # who they are in the case, e.g. "counsel for Ada Lovelace", "respondent"


@dataclass(frozen=True)
class NdaContent:
    court_name: str
    case_number: str
    case_title: str
    case_url: str
    entry_number: int
    docket_text: str
    entered_at: datetime
    filed_at: datetime
    recipient_name: str
    reason: str
    documents: list[DocumentLine] = field(default_factory=list)
    documents_note: str | None = None  # sealed, or restricted for this recipient
    mailed_to: list[MailedTo] = field(default_factory=list)
    not_mailed_to: list[NotMailedTo] = field(default_factory=list)


# -- times -----------------------------------------------------------------------------------


def transaction_entered(when: datetime, tz: ZoneInfo) -> str:
    """``01/15/2026 2:30:00 PM PST``: court-local, hour without a leading zero, the zone's
    abbreviation as the date has it (PST in winter, PDT in summer)."""
    local = court_time(when, tz).local
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local:%m/%d/%Y} {hour}:{local:%M:%S %p} {local.tzname() or ''}".rstrip()


def local_date(when: datetime, tz: ZoneInfo) -> str:
    return court_time(when, tz).local.strftime("%m/%d/%Y")


def entered_stamp(when: datetime, tz: ZoneInfo) -> str:
    """``[Entered: 01/15/2026 02:30 PM]``, court-local, as ACMS ends a docket text."""
    return f"[Entered: {court_time(when, tz).local:%m/%d/%Y %I:%M %p}]"


def transaction_line(entered_at: datetime, filed_at: datetime, tz: ZoneInfo) -> str:
    return (
        f"The following transaction was entered on {transaction_entered(entered_at, tz)} "
        f"and filed on {local_date(filed_at, tz)}"
    )


# -- the docket text and the subject ---------------------------------------------------------


def docket_text_with_stamp(docket_text: str, entered_at: datetime, tz: ZoneInfo) -> str:
    if _ENTERED_STAMP.search(docket_text):
        return docket_text.strip()
    return f"{docket_text.strip()} {entered_stamp(entered_at, tz)}".strip()


def short_docket_text(docket_text: str) -> str:
    """The docket text on one line, without its stamp, cut at a word to SHORT_TEXT_MAX
    characters. (Not cut at the first period: "J. Smith" and "v." are not sentence ends.)"""
    text = " ".join(_ENTERED_STAMP.sub("", docket_text).split()).rstrip(".") or "Docket entry"
    if len(text) <= SHORT_TEXT_MAX:
        return text
    cut = text[: SHORT_TEXT_MAX - 3].rsplit(" ", 1)[0] or text[: SHORT_TEXT_MAX - 3]
    return cut.rstrip(" ,;:") + "..."


def subject_line(*, case_title: str, case_number: str, entry_number: int, docket_text: str) -> str:
    """``Doe v. Garland 26-1234 - 007 - MOTION filed by Jane Roe``, never more than one line."""
    title = " ".join(case_title.split()) or "(untitled)"
    return f"{title} {case_number} - {entry_number:03d} - {short_docket_text(docket_text)}"


def subject(content: NdaContent) -> str:
    return subject_line(
        case_title=content.case_title,
        case_number=content.case_number,
        entry_number=content.entry_number,
        docket_text=content.docket_text,
    )


# -- the body --------------------------------------------------------------------------------


def _pages(count: int) -> str:
    return "1 page" if count == 1 else f"{count} pages"


def _reason(content: NdaContent) -> str:
    return REASON_LABELS.get(content.reason, "").format(owner=content.recipient_name)


def _notes(content: NdaContent) -> list[str]:
    """Why this recipient has this notice, and what its links are: said above the labels, so
    nothing but its value follows a label (tools read a label's value up to the next one)."""
    notes = [f"You received this notice because {_reason(content)}."]
    if content.documents_note:
        notes.append(content.documents_note)
    if any(d.link for d in content.documents):
        notes.append(FREE_LOOK_NOTE)
    return notes


def _not_mailed(person: NotMailedTo) -> str:
    return f"{person.name} ({person.detail})" if person.detail else person.name


def render_text(content: NdaContent, tz: ZoneInfo) -> str:
    lines = [
        f"{PUBLIC_NOTE_LABEL} {PUBLIC_NOTE}",
        "",
        content.court_name,
        "",
        TITLE,
        "",
        transaction_line(content.entered_at, content.filed_at, tz),
        "",
        *(f"{note}\n" for note in _notes(content)),
        f"{CASE_NAME} {content.case_title}",
        f"{CASE_NUMBER} {content.case_number} <{content.case_url}>",
        "",
        DOCKET_TEXT,
        docket_text_with_stamp(content.docket_text, content.entered_at, tz),
        "",
    ]
    for document in content.documents:
        lines.append(f"{DOCUMENT} {document.filename} ({_pages(document.pages)})")
        if document.link:
            lines.append(f"  {document.link}")
        elif document.note:
            lines.append(f"  ({document.note})")
    if content.documents:
        lines.append("")
    lines += [MAILED_TO, ""]
    lines += [f"{person.name}: {', '.join(person.addresses)}" for person in content.mailed_to]
    lines += ["", NOT_MAILED_TO, ""]
    lines += [_not_mailed(person) for person in content.not_mailed_to]
    return "\n".join(lines) + "\n"


def render_html(content: NdaContent, tz: ZoneInfo) -> str:
    def e(value: str) -> str:
        return html.escape(value, quote=True)

    def labelled(label: str, value_html: str) -> str:
        return f"<p><strong>{e(label)}</strong> {value_html}</p>"

    docket_text = "<br>\n".join(
        e(line)
        for line in docket_text_with_stamp(content.docket_text, content.entered_at, tz).splitlines()
    )
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8">',
        f"<title>{e(subject(content))}</title></head><body>",
        f"<p><strong>{e(PUBLIC_NOTE_LABEL)}</strong> {e(PUBLIC_NOTE)}</p>",
        f"<h2>{e(content.court_name)}</h2>",
        f"<h3>{e(TITLE)}</h3>",
        f"<p>{e(transaction_line(content.entered_at, content.filed_at, tz))}</p>",
        *(f"<p><small>{e(note)}</small></p>" for note in _notes(content)),
        labelled(CASE_NAME, e(content.case_title)),
        labelled(CASE_NUMBER, f'<a href="{e(content.case_url)}">{e(content.case_number)}</a>'),
        f"<p><strong>{e(DOCKET_TEXT)}</strong><br>\n{docket_text}</p>",
    ]
    for document in content.documents:
        name = f"{e(document.filename)} ({_pages(document.pages)})"
        if document.link:
            value = f'<a href="{e(document.link)}">{name}</a>'
        elif document.note:
            value = f"{name} <em>({e(document.note)})</em>"
        else:
            value = name
        parts.append(labelled(DOCUMENT, value))
    mailed = "<br>\n".join(
        f"{e(person.name)}: {', '.join(e(a) for a in person.addresses)}"
        for person in content.mailed_to
    )
    not_mailed = "<br>\n".join(e(_not_mailed(person)) for person in content.not_mailed_to)
    parts += [
        f"<p><strong>{e(MAILED_TO)}</strong></p>",
        f"<p>{mailed}</p>",
        f"<p><strong>{e(NOT_MAILED_TO)}</strong></p>",
        f"<p>{not_mailed}</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
