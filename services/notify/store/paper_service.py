"""SQL of paper service due: one row per entry and participant served by mail, until the
clerk marks it served (the rules are in services/notify/paper_service.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection


@dataclass(frozen=True)
class DueRow:
    item_id: str
    case_number: str
    entry_number: int
    participant_name: str
    participant_detail: str
    address: str  # the counsel's profile address; "" for a party
    due_since: datetime
    served_at: datetime | None
    served_by_account_id: str | None
    # The entry, from the case view.
    case_title: str
    docket_text: str
    entered_at: datetime
    filed_at: datetime
    documents: list[dict[str, Any]]
    sealed: bool


_COLUMNS = (
    "p.item_id::text, p.case_number, p.entry_number, p.participant_name, p.participant_detail,"
    " coalesce(r.address, ''), p.due_since, p.served_at, p.served_by_account_id::text,"
    " e.case_title, e.docket_text, e.entered_at, e.filed_at, e.documents, e.sealed"
)
_FROM = (
    " FROM paper_service_due p"
    " JOIN entries e USING (case_number, entry_number)"
    " LEFT JOIN recipients r ON r.account_id = p.account_id"
)


def _row(values: tuple[Any, ...]) -> DueRow:
    fields = list(values)
    fields[13] = list(fields[13] or [])
    return DueRow(*fields)


def counsel_account(conn: Connection[Any], case_number: str, name: str) -> str | None:
    """The account of counsel of record by that name in the case (their address is kept)."""
    row = conn.execute(
        "SELECT account_id::text FROM case_counsel WHERE case_number = %s AND name = %s"
        " ORDER BY since_entry LIMIT 1",
        [case_number, name],
    ).fetchone()
    return row[0] if row else None


def insert_due(
    conn: Connection[Any],
    *,
    item_id: uuid.UUID,
    case_number: str,
    entry_number: int,
    participant_name: str,
    participant_detail: str,
    account_id: str | None,
) -> bool:
    """False when the item was recorded before (a redelivered event)."""
    return bool(
        conn.execute(
            "INSERT INTO paper_service_due (item_id, case_number, entry_number,"
            " participant_name, participant_detail, account_id)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [
                item_id,
                case_number,
                entry_number,
                participant_name,
                participant_detail,
                account_id,
            ],
        ).rowcount
    )


def list_due(conn: Connection[Any], *, include_served: bool, limit: int) -> list[DueRow]:
    rows = conn.execute(
        f"SELECT {_COLUMNS}{_FROM}"
        + ("" if include_served else " WHERE p.served_at IS NULL")
        + " ORDER BY p.due_since, p.case_number, p.entry_number, p.participant_name LIMIT %s",
        [limit],
    ).fetchall()
    return [_row(row) for row in rows]


def get_due(conn: Connection[Any], item_id: str) -> DueRow | None:
    row = conn.execute(f"SELECT {_COLUMNS}{_FROM} WHERE p.item_id = %s", [item_id]).fetchone()
    return _row(row) if row else None


def mark_served(conn: Connection[Any], item_id: str, clerk_account_id: str) -> bool:
    """Served by mail; marking it again keeps the first time and clerk. False: no such item."""
    return (
        conn.execute(
            "UPDATE paper_service_due SET served_at = coalesce(served_at, now()),"
            " served_by_account_id = coalesce(served_by_account_id, %s::uuid)"
            " WHERE item_id = %s RETURNING item_id",
            [clerk_account_id, item_id],
        ).fetchone()
        is not None
    )
