"""Filing's own view of cases and of docketing, kept from docket.events."""

from __future__ import annotations

from typing import Any

from court.v1 import events_pb2
from psycopg import Connection

from services.common.clock import Clock, system_clock
from services.common.enums import case_type_name
from services.common.events import unpack
from services.filing import store


def on_case_opened(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.CaseOpened)
    store.upsert_case(conn, event.case_number, case_type_name(event.case_type))
    for counsel in event.counsel:
        if counsel.account_id:
            store.add_counsel(conn, event.case_number, counsel.account_id)


def on_appearance_entered(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AppearanceEntered)
    if event.counsel.account_id:
        store.add_counsel(conn, event.case_number, event.counsel.account_id)


def make_on_entry_recorded(clock: Clock = system_clock):  # type: ignore[no-untyped-def]
    def on_entry_recorded(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
        event = unpack(envelope, events_pb2.EntryRecorded)
        if event.filing_id:
            store.set_docketed(
                conn,
                event.filing_id,
                case_number=event.case_number,
                entry_number=event.entry_number,
                when=clock.now(),
            )

    return on_entry_recorded
