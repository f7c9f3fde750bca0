"""Access's own view of the cases, kept from docket.events (consumer group ``access.cases``).

The policy decides from these tables alone, so opening a document never waits on docket.
The consumer already applies each event once (by event id); the handlers are also naturally
idempotent and order-tolerant: a replayed or late event never unseals a document, never
forgets counsel, and never turns a known case type back into "unspecified".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from court.v1 import events_pb2
from psycopg import Connection

from services.access import store
from services.access.documents import canonical_id
from services.common.consumer import Handler
from services.common.enums import case_type_name
from services.common.errors import PermanentEventError
from services.common.events import unpack

log = logging.getLogger(__name__)

GROUP = "access.cases"
TOPIC = "docket.events"


def _case_number(value: str, event_type: str) -> str:
    case_number = value.strip()
    if not case_number or len(case_number) > 64:
        raise PermanentEventError(f"{event_type}: bad case number {value!r}")
    return case_number


def on_case_opened(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.CaseOpened)
    case_number = _case_number(event.case_number, envelope.type)
    store.upsert_case(conn, case_number=case_number, case_type=case_type_name(event.case_type))
    for counsel in event.counsel:
        if counsel.account_id:
            store.add_counsel(conn, case_number=case_number, account_id=counsel.account_id)
    log.info("case opened", extra={"case_number": case_number})


def on_entry_recorded(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.EntryRecorded)
    case_number = _case_number(event.case_number, envelope.type)
    store.upsert_case(conn, case_number=case_number, case_type=case_type_name(event.case_type))
    document_ids = _document_ids((d.document_id for d in event.documents), envelope.type)
    for document_id in document_ids:
        store.record_document(
            conn,
            document_id=document_id,
            case_number=case_number,
            entry_number=event.entry_number,
            sealed=event.sealed,
        )
    log.info(
        "entry recorded",
        extra={"case_number": case_number, "entry_number": event.entry_number},
    )


def on_appearance_entered(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AppearanceEntered)
    case_number = _case_number(event.case_number, envelope.type)
    if not event.counsel.account_id:
        raise PermanentEventError(f"{envelope.type}: counsel without an account id")
    store.add_counsel(conn, case_number=case_number, account_id=event.counsel.account_id)


def on_entry_sealed(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.EntrySealed)
    case_number = _case_number(event.case_number, envelope.type)
    store.seal_entry(conn, case_number=case_number, entry_number=event.entry_number)
    # Named documents are sealed even if their entry has not reached us yet.
    for document_id in _document_ids(event.document_ids, envelope.type):
        store.record_document(
            conn,
            document_id=document_id,
            case_number=case_number,
            entry_number=event.entry_number,
            sealed=True,
        )
    log.info("entry sealed", extra={"case_number": case_number, "entry_number": event.entry_number})


def _document_ids(values: Iterable[str], event_type: str) -> list[str]:
    """The well-formed ids; a malformed one is logged and skipped (it names nothing we hold)."""
    found = []
    for value in values:
        canonical = canonical_id(value)
        if canonical is None:
            log.error("malformed document id in event", extra={"event_type": event_type})
        else:
            found.append(canonical)
    return found


HANDLERS: dict[str, Handler] = {
    "docket.case_opened": on_case_opened,
    "docket.entry_recorded": on_entry_recorded,
    "docket.appearance_entered": on_appearance_entered,
    "docket.entry_sealed": on_entry_sealed,
}
