"""Access's view of the cases, from docket.events: idempotent, order-tolerant handlers (run on
the real database in a transaction that is rolled back), and the consumer on the real topic."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from access_kit import AccessKit
from court.v1 import common_pb2, docket_pb2, events_pb2, filing_pb2
from google.protobuf.message import Message
from support.api import wait_for

from services.access import case_view
from services.common.errors import PermanentEventError
from services.common.events import new_event


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with (
        psycopg.connect(database_url, options="-c search_path=access") as connection,
        connection.transaction(force_rollback=True),
    ):
        yield connection


def envelope(event_type: str, case_number: str, payload: Message) -> events_pb2.EventEnvelope:
    return new_event(event_type=event_type, source="docket", subject=case_number, payload=payload)


def test_late_and_repeated_events_never_unseal_forget_or_untype(
    conn: psycopg.Connection[Any],
) -> None:
    case_number, document_id = f"99-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    other = str(uuid.uuid4())
    sealed = envelope(
        "docket.entry_sealed",
        case_number,
        events_pb2.EntrySealed(case_number=case_number, entry_number=2, document_ids=[document_id]),
    )
    recorded = envelope(
        "docket.entry_recorded",
        case_number,
        events_pb2.EntryRecorded(
            case_number=case_number,
            case_type=common_pb2.CASE_TYPE_IMMIGRATION,
            entry_number=2,
            documents=[
                filing_pb2.FiledDocument(document_id=document_id),
                filing_pb2.FiledDocument(document_id=other),
                filing_pb2.FiledDocument(document_id="not-a-document-id"),
            ],
        ),
    )
    # The seal arrives before the entry, then the entry twice (a replay with a new event id).
    case_view.on_entry_sealed(conn, sealed)
    case_view.on_entry_recorded(conn, recorded)
    case_view.on_entry_recorded(conn, recorded)
    case_view.on_entry_sealed(conn, sealed)
    rows = conn.execute(
        "SELECT document_id::text, entry_number, sealed FROM document_cases"
        " WHERE case_number = %s ORDER BY document_id",
        [case_number],
    ).fetchall()
    assert rows == sorted([(document_id, 2, True), (other, 2, True)])

    attorney = str(uuid.uuid4())
    opened = envelope(
        "docket.case_opened",
        case_number,
        events_pb2.CaseOpened(
            case_number=case_number,
            case_type=common_pb2.CASE_TYPE_UNSPECIFIED,
            counsel=[docket_pb2.Counsel(account_id=attorney), docket_pb2.Counsel(account_id="")],
        ),
    )
    case_view.on_case_opened(conn, opened)
    case_view.on_case_opened(conn, opened)
    appeared = envelope(
        "docket.appearance_entered",
        case_number,
        events_pb2.AppearanceEntered(
            case_number=case_number, counsel=docket_pb2.Counsel(account_id=attorney)
        ),
    )
    case_view.on_appearance_entered(conn, appeared)
    assert conn.execute(
        "SELECT case_type FROM cases WHERE case_number = %s", [case_number]
    ).fetchall() == [("immigration",)]  # an event without a type does not forget it
    assert conn.execute(
        "SELECT account_id FROM counsel WHERE case_number = %s", [case_number]
    ).fetchall() == [(attorney,)]


def test_events_that_can_never_apply_are_refused_for_the_dead_letter_topic(
    conn: psycopg.Connection[Any],
) -> None:
    for event_type, handler, payload in (
        ("docket.case_opened", case_view.on_case_opened, events_pb2.CaseOpened(case_number=" ")),
        (
            "docket.appearance_entered",
            case_view.on_appearance_entered,
            events_pb2.AppearanceEntered(case_number="99-1"),
        ),
        ("docket.entry_sealed", case_view.on_entry_sealed, events_pb2.CaseOpened()),
    ):
        with pytest.raises(PermanentEventError):
            handler(conn, envelope(event_type, "99-1", payload))


def test_a_redelivered_event_is_applied_once(kit: AccessKit) -> None:
    case_number = kit.new_case_number()
    opened = envelope(
        "docket.case_opened",
        case_number,
        events_pb2.CaseOpened(case_number=case_number, case_type=common_pb2.CASE_TYPE_CIVIL),
    )
    for _ in range(2):
        kit.producer.send(
            "docket.events", key=case_number.encode(), value=opened.SerializeToString()
        ).get(timeout=10)
    wait_for(
        lambda: kit.sql("SELECT 1 FROM access.cases WHERE case_number = %s", case_number),
        what="the case in access's view",
    )
    processed = kit.sql(
        "SELECT consumer FROM access.processed_events WHERE event_id = %s", opened.event_id
    )
    assert processed == [("access.cases",)]
