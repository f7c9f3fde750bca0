"""SQL of the compose stage: NDAs waiting for their free-look links, the links kept so a
retry reuses them, and the rendered message that makes a notice ``pending`` (sendable)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import Connection

from services.notify.store.notices import NoticeRow
from services.notify.store.views import EntryRow

# (notice id, document id) -> (token or None, error or None)
Links = dict[str, dict[str, tuple[str | None, str | None]]]


def claim_to_compose(conn: Connection[Any], *, now: datetime, limit: int) -> list[NoticeRow]:
    """Due ``needs_links`` notices, locked for this transaction (replicas skip them)."""
    rows = conn.execute(
        "SELECT notice_id::text, case_number, entry_number, recipient_email,"
        " recipient_name, account_id::text, reason, notice_format, with_links, message_id,"
        " link_attempts, created_at FROM notices"
        " WHERE status = 'needs_links' AND next_attempt_at <= %s"
        " ORDER BY next_attempt_at, created_at LIMIT %s FOR UPDATE SKIP LOCKED",
        [now, limit],
    ).fetchall()
    return [NoticeRow(*row) for row in rows]


def entry_row(conn: Connection[Any], case_number: str, entry_number: int) -> EntryRow:
    row = conn.execute(
        "SELECT case_number, entry_number, case_title, case_type, docket_text, filer,"
        " filed_at, entered_at, documents, sealed, filing_type, event_id::text, trace_id"
        " FROM entries"
        " WHERE case_number = %s AND entry_number = %s",
        [case_number, entry_number],
    ).fetchone()
    if row is None:  # impossible: notices reference their entry
        raise RuntimeError(f"no entry {case_number} #{entry_number}")
    values = list(row)
    if isinstance(values[8], str):
        values[8] = json.loads(values[8])
    return EntryRow(*values)


def links_of(conn: Connection[Any], notice_ids: list[str]) -> Links:
    links: Links = defaultdict(dict)
    for notice_id, document_id, token, error in conn.execute(
        "SELECT notice_id::text, document_id, token, error FROM free_looks"
        " WHERE notice_id = ANY(%s::uuid[])",
        [notice_ids],
    ).fetchall():
        links[notice_id][document_id] = (token, error)
    return links


def keep_links(
    conn: Connection[Any],
    issued: Sequence[tuple[str, str, str | None, datetime | None, str | None]],
) -> None:
    """(notice id, document id, token, expires at, error) of each link issued or refused."""
    if not issued:
        return
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO free_looks (notice_id, document_id, token, expires_at, error)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            list(issued),
        )


def electronic_recipients(
    conn: Connection[Any], case_number: str, entry_number: int
) -> list[tuple[str, str, str]]:
    """(person key, name, address) of counsel and their secondary addresses, in the order
    the NDA lists them. Subscribers are members of the public: never shown to others."""
    return conn.execute(
        "SELECT coalesce(account_id::text, recipient_email), recipient_name, recipient_email"
        " FROM notices WHERE kind = 'nda' AND case_number = %s AND entry_number = %s"
        " AND reason IN ('counsel', 'secondary')"
        " ORDER BY recipient_name, reason, lower(recipient_email)",
        [case_number, entry_number],
    ).fetchall()


def postpone(conn: Connection[Any], notice_id: str, *, until: datetime, error: str) -> None:
    conn.execute(
        "UPDATE notices SET link_attempts = link_attempts + 1,"
        " next_attempt_at = %s, last_error = %s WHERE notice_id = %s",
        [until, error, notice_id],
    )


def set_composed(
    conn: Connection[Any],
    notice_id: str,
    *,
    subject: str,
    text: str,
    html: str | None,
    now: datetime,
) -> None:
    """The notice joins the outgoing queue, due at once."""
    conn.execute(
        "UPDATE notices SET status = 'pending', subject = %s, body_text = %s, body_html = %s,"
        " composed_at = %s, next_attempt_at = %s, last_error = NULL WHERE notice_id = %s",
        [subject, text, html, now, now, notice_id],
    )
