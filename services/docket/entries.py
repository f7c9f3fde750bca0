"""Recording docket entries: gapless numbers per case, append-only, the docket text."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg import Connection

from services.common.clock import Clock, system_clock
from services.common.court import is_case_number
from services.common.enums import UNSPECIFIED, filing_type_name
from services.common.errors import PermanentEventError
from services.docket import events, metrics, store
from services.docket.models import (
    CaseRecord,
    EntryRecord,
    NewEntry,
    documents_from_filing,
)

log = logging.getLogger(__name__)

LABELS = {
    "petition_for_review": "PETITION FOR REVIEW",
    "notice_of_appearance": "NOTICE OF APPEARANCE",
    "motion": "MOTION",
    "brief": "BRIEF",
    "letter": "LETTER",
    "other": "DOCUMENT",
}
MAX_DESCRIPTION = 1000
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def one_line(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """Collapse whitespace (docket text is one paragraph) and cap the length."""
    collapsed = " ".join(text.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1].rstrip() + "…"


def docket_text(filing_type: str, *, filer: str, description: str) -> str:
    """`MOTION filed by Ada Lovelace for extension of time to file the opening brief.`"""
    text = f"{LABELS.get(filing_type, 'DOCUMENT')} filed by {one_line(filer, 200) or 'unknown'}"
    described = one_line(description).rstrip(".")
    if described:
        text += f" for {described}"
    return text + "."


def paper_note(filing: events_pb2.FilingSubmitted, tz: ZoneInfo) -> str:
    """` Filed on paper 11/30/2026; entered by Clara Clerk.`: the record says the party filed
    on paper and which clerk docketed it."""
    received = received_at_of(filing).astimezone(tz).strftime("%m/%d/%Y")
    clerk = one_line(filing.entered_by_name, 200) or "the Clerk's Office"
    return f" Filed on paper {received}; entered by {clerk}."


def append(
    conn: Connection[Any], case: CaseRecord, entry: NewEntry, *, now: datetime
) -> tuple[CaseRecord, EntryRecord]:
    """Record ``entry`` as the case's next entry.

    The caller holds the case row (``FOR UPDATE``, or inserted it in this transaction), so
    the next number is the last one plus one and no other transaction can take it: numbers
    stay gapless whatever runs concurrently, and a rollback gives the number back.
    """
    number = case.last_entry_number + 1
    recorded = store.insert_entry(
        conn, case_id=case.case_id, number=number, entry=entry, entered_at=now
    )
    store.set_last_entry_number(conn, case.case_id, number)
    metrics.ENTRIES_RECORDED.labels(entry.filing_type).inc()
    log.info(
        "entry recorded",
        extra={
            "case_number": case.case_number,
            "entry_number": number,
            "filing_id": entry.filing_id or "",
        },
    )
    return dataclasses.replace(case, last_entry_number=number), recorded


# -- reading a FilingSubmitted ----------------------------------------------------------------


def filing_id_of(filing: events_pb2.FilingSubmitted) -> str:
    if not _UUID.match(filing.filing_id):
        raise PermanentEventError(f"filing id {filing.filing_id[:60]!r} is not a UUID")
    return filing.filing_id.lower()


def filer_account_of(filing: events_pb2.FilingSubmitted) -> str | None:
    if not filing.filer_account_id:
        return None
    if not _UUID.match(filing.filer_account_id):
        raise PermanentEventError(f"filer account {filing.filer_account_id[:60]!r} is not a UUID")
    return filing.filer_account_id.lower()


def received_at_of(filing: events_pb2.FilingSubmitted) -> datetime:
    if not filing.HasField("received_at") or not filing.received_at.HasField("utc"):
        raise PermanentEventError(f"filing {filing.filing_id} has no received_at")
    return filing.received_at.utc.ToDatetime(tzinfo=UTC)


def filing_type_of(filing: events_pb2.FilingSubmitted) -> str:
    # A filing always has a type (filing checks it); an unknown one is unspecified here too.
    name = filing_type_name(filing.filing_type)
    if name == UNSPECIFIED:
        raise PermanentEventError(f"filing {filing.filing_id} has no filing type")
    return name


def new_entry_from(filing: events_pb2.FilingSubmitted, *, text: str) -> NewEntry:
    return NewEntry(
        filing_type=filing_type_of(filing),
        filing_id=filing_id_of(filing),
        filed_at=received_at_of(filing),
        text=text,
        filer_name=one_line(filing.filer_name, 200),
        filer_account_id=filer_account_of(filing),
        documents=documents_from_filing(filing.documents),
    )


def lock_case_for(conn: Connection[Any], filing: events_pb2.FilingSubmitted) -> CaseRecord:
    """The filing's case, locked for this transaction; an unknown case can never be docketed."""
    case_number = filing.case_number.strip()
    if not is_case_number(case_number):
        raise PermanentEventError(f"filing {filing.filing_id}: bad case number {case_number!r}")
    case = store.case_by_number(conn, case_number, lock=True)
    if case is None:
        raise PermanentEventError(f"filing {filing.filing_id}: no case {case_number}")
    return case


def already_docketed(conn: Connection[Any], filing: events_pb2.FilingSubmitted) -> bool:
    existing = store.entry_for_filing(conn, filing_id_of(filing))
    if existing is not None:
        log.info(
            "filing already docketed",
            extra={"filing_id": filing.filing_id, "entry_number": existing.entry_number},
        )
    return existing is not None


def record_filing(
    conn: Connection[Any],
    filing: events_pb2.FilingSubmitted,
    *,
    clock: Clock = system_clock,
    tz: ZoneInfo,
) -> EntryRecord | None:
    """Docket a filing in its existing case (→ ``docket.entry_recorded``).

    Returns the entry, or None when this filing was already docketed.
    """
    case = lock_case_for(conn, filing)
    if already_docketed(conn, filing):
        return None
    filing_type = filing_type_of(filing)
    text = docket_text(filing_type, filer=filing.filer_name, description=filing.description)
    if filing.filed_on_paper:
        text += paper_note(filing, tz)
    case, entry = append(conn, case, new_entry_from(filing, text=text), now=clock.now())
    events.entry_recorded(conn, case, entry, tz=tz)
    return entry
