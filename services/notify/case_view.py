"""Stage 1, the case view: what notify keeps about cases, parties, counsel and entries, from
docket.events. Every handler runs in its consumer's transaction and makes no network call.

A recorded entry hands over to the next stage (notices.py) in the same transaction: the entry
and its notice rows commit together with the event id, so a notice is never lost and never
recorded twice. Counsel who appear after entries were recorded get those entries' notices
from their own since-entry on (an appearance read after its own entry).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC
from typing import Any

from court.v1 import events_pb2
from psycopg import Connection

from services.common.enums import case_type_name, filing_type_name, party_role_name
from services.common.errors import PermanentEventError
from services.common.events import unpack
from services.notify import notices, paper_service
from services.notify.store import views

log = logging.getLogger(__name__)


def on_case_opened(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.CaseOpened)
    if not event.case_number:
        raise PermanentEventError("docket.case_opened without a case number")
    views.upsert_case(
        conn,
        case_number=event.case_number,
        title=event.title,
        case_type=case_type_name(event.case_type),
    )
    views.add_parties(
        conn,
        event.case_number,
        [
            (party.name, party_role_name(party.role))
            for party in event.parties
            if party.name.strip()
        ],
    )
    for counsel in event.counsel:
        add_counsel(conn, event.case_number, counsel, since_entry=0)


def on_appearance_entered(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AppearanceEntered)
    if not event.case_number:
        raise PermanentEventError("docket.appearance_entered without a case number")
    # The case normally exists already (same key, earlier offset).
    views.ensure_case(conn, event.case_number)
    add_counsel(conn, event.case_number, event.counsel, since_entry=event.entry_number)


def add_counsel(conn: Connection[Any], case_number: str, counsel: Any, *, since_entry: int) -> None:
    """Counsel of record from ``since_entry`` on; entries already recorded from there on get
    this counsel's notices now."""
    account_id = _uuid_or_none(counsel.account_id)
    if account_id is None:
        log.warning("counsel without an account", extra={"case_number": case_number})
        return
    views.upsert_counsel(
        conn,
        views.CounselRow(
            case_number=case_number,
            account_id=account_id,
            name=counsel.name,
            firm=counsel.firm,
            party_name=counsel.party_name,
            notices=counsel_wants_notices(counsel),
            since_entry=since_entry,
        ),
    )
    notices.backfill(conn, case_number=case_number, account_id=account_id, from_entry=since_entry)


def counsel_wants_notices(counsel: Any) -> bool:
    """The "Notice" box of the notice of appearance; events from before it existed say
    nothing, and counsel then receive notices as they always did."""
    return bool(counsel.receive_notices) if counsel.HasField("receive_notices") else True


def on_entry_sealed(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    """Sealed after it was recorded: what notify still shows or sends of it follows the seal
    (the same rule as the docket sheet: no text and no file names but for court staff)."""
    event = unpack(envelope, events_pb2.EntrySealed)
    if not event.case_number or event.entry_number <= 0:
        raise PermanentEventError("docket.entry_sealed without a case number or entry number")
    views.seal_entry(conn, event.case_number, event.entry_number)
    recomposed = notices.entry_sealed(conn, event.case_number, event.entry_number)
    log.info(
        "entry sealed",
        extra={
            "case_number": event.case_number,
            "entry_number": event.entry_number,
            "notices_recomposed": recomposed,
        },
    )


def on_entry_recorded(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.EntryRecorded)
    if not event.case_number or event.entry_number <= 0:
        raise PermanentEventError("docket.entry_recorded without a case number or entry number")
    if not event.entered_at.HasField("utc"):
        raise PermanentEventError("docket.entry_recorded without entered_at")
    case_type = case_type_name(event.case_type)
    views.fill_case(
        conn, case_number=event.case_number, title=event.case_title, case_type=case_type
    )
    entered_at = event.entered_at.utc.ToDatetime(tzinfo=UTC)
    filed_at = (
        event.filed_at.utc.ToDatetime(tzinfo=UTC) if event.filed_at.HasField("utc") else entered_at
    )
    documents = [
        {"document_id": d.document_id, "filename": d.filename, "pages": d.pages}
        for d in event.documents
        if d.document_id
    ]
    recorded = views.insert_entry(
        conn,
        views.EntryRow(
            case_number=event.case_number,
            entry_number=event.entry_number,
            case_title=event.case_title,
            case_type=case_type,
            docket_text=event.text,
            filer=event.filer,
            filed_at=filed_at,
            entered_at=entered_at,
            documents=documents,
            sealed=event.sealed,
            filing_type=filing_type_name(event.filing_type),
            event_id=envelope.event_id,
            trace_id=envelope.trace_id,
        ),
    )
    if not recorded:
        # The same entry under another event id: its notices were recorded the first time.
        log.info(
            "entry already recorded",
            extra={"case_number": event.case_number, "entry_number": event.entry_number},
        )
        return
    notices.record_for_entry(
        conn,
        notices.EntryFacts(
            case_number=event.case_number,
            entry_number=event.entry_number,
            case_type=case_type,
            sealed=event.sealed,
            has_documents=bool(documents),
        ),
    )
    # Who is served by mail becomes the clerk's queue, in the same transaction.
    paper_service.record_due(conn, event.case_number, event.entry_number, event.filer)


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
