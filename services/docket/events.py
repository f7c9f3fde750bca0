"""The events docket publishes, always through the outbox in the change's own transaction.

Every docket event's subject (the Kafka key) is the case number, so one case's events stay in
one partition, in the order they were written: ``docket.case_opened`` before the case's
first ``docket.entry_recorded``; ``docket.appearance_entered`` before the entry that
recorded the appearance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg import Connection

from services.common.outbox import publish
from services.common.wire import court_time_pb
from services.docket.models import (
    CASE_TYPES,
    FILING_TYPES,
    CaseRecord,
    CounselRecord,
    EntryRecord,
    filed_documents,
)
from services.docket.wire import counsel_pb, parties_pb

SOURCE = "docket"
CASE_OPENED = "docket.case_opened"
ENTRY_RECORDED = "docket.entry_recorded"
APPEARANCE_ENTERED = "docket.appearance_entered"
ENTRY_SEALED = "docket.entry_sealed"


def case_opened(
    conn: Connection[Any],
    case: CaseRecord,
    *,
    counsel: list[CounselRecord],
    filing_id: str,
    tz: ZoneInfo,
) -> None:
    publish(
        conn,
        event_type=CASE_OPENED,
        source=SOURCE,
        subject=case.case_number,
        payload=events_pb2.CaseOpened(
            case_number=case.case_number,
            title=case.title,
            case_type=CASE_TYPES[case.case_type],
            parties=parties_pb(case.parties),
            opened_at=court_time_pb(case.opened_at, tz),
            counsel=[counsel_pb(c) for c in counsel],
            filing_id=filing_id,
        ),
    )


def entry_recorded(
    conn: Connection[Any], case: CaseRecord, entry: EntryRecord, *, tz: ZoneInfo
) -> None:
    publish(
        conn,
        event_type=ENTRY_RECORDED,
        source=SOURCE,
        subject=case.case_number,
        payload=events_pb2.EntryRecorded(
            case_number=case.case_number,
            case_title=case.title,
            case_type=CASE_TYPES[case.case_type],
            entry_number=entry.entry_number,
            text=entry.text,
            filed_at=court_time_pb(entry.filed_at, tz),
            entered_at=court_time_pb(entry.entered_at, tz),
            filer=entry.filer_name,
            filer_account_id=entry.filer_account_id or "",
            documents=filed_documents(entry.documents),
            sealed=entry.sealed,
            filing_id=entry.filing_id or "",
            filing_type=FILING_TYPES[entry.filing_type],
        ),
    )


def appearance_entered(
    conn: Connection[Any],
    case: CaseRecord,
    counsel: CounselRecord,
    entry: EntryRecord,
    *,
    tz: ZoneInfo,
) -> None:
    counsel_added(conn, case, counsel, since_entry=entry.entry_number, at=entry.entered_at, tz=tz)


def counsel_added(
    conn: Connection[Any],
    case: CaseRecord,
    counsel: CounselRecord,
    *,
    since_entry: int,
    at: datetime,
    tz: ZoneInfo,
) -> None:
    """New counsel of record from entry ``since_entry`` on (an appearance, or counsel a
    re-import of an ACMS case brought): filing, access and notify learn them."""
    publish(
        conn,
        event_type=APPEARANCE_ENTERED,
        source=SOURCE,
        subject=case.case_number,
        payload=events_pb2.AppearanceEntered(
            case_number=case.case_number,
            counsel=counsel_pb(counsel),
            entry_number=since_entry,
            entered_at=court_time_pb(at, tz),
        ),
    )


def entry_sealed(
    conn: Connection[Any], case: CaseRecord, entry: EntryRecord, *, by: str, at: datetime
) -> None:
    payload = events_pb2.EntrySealed(
        case_number=case.case_number,
        entry_number=entry.entry_number,
        document_ids=entry.document_ids,
        sealed_by_account_id=by,
    )
    payload.sealed_at.FromDatetime(at)
    publish(conn, event_type=ENTRY_SEALED, source=SOURCE, subject=case.case_number, payload=payload)
