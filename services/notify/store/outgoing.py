"""SQL of the outgoing queue (every message: NDAs and account mail, one table, ``notices``).

A sender claims one due row with ``FOR UPDATE SKIP LOCKED`` and keeps it locked while the
relay is spoken to; its outcome is written in that same transaction. The lock is the lease:
replicas never send the same row, and a crash before the commit leaves the row as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

# The token in a free-look link, as the composer writes it.
FREE_LOOK_LINK_PATTERN = r"(/api/v1/free-looks/)[A-Za-z0-9_-]+"

# A mail queued before notify knew its account's address (filing.events and auth.events are
# separate topics) takes the address from the account view when it is sent.
_CLAIM = (
    "SELECT n.notice_id::text, n.kind, n.case_number, n.entry_number,"
    " coalesce(nullif(n.recipient_email, ''),"
    "  (SELECT r.email FROM recipients r WHERE r.account_id = n.account_id), ''),"
    " n.recipient_name, n.account_id::text, n.reason, n.with_links, n.subject, n.body_text,"
    " n.body_html,"
    " n.message_id, n.attempts, coalesce(n.composed_at, n.created_at), e.entered_at,"
    " e.trace_id, n.token_id::text"
    " FROM notices n LEFT JOIN entries e USING (case_number, entry_number)"
    " WHERE n.status IN ('pending', 'retrying') AND n.next_attempt_at <= %s"
    " ORDER BY n.next_attempt_at LIMIT 1 FOR UPDATE OF n SKIP LOCKED"
)


@dataclass(frozen=True)
class Due:
    """One claimed message. An NDA names its case and entry; account mail does not."""

    notice_id: str
    kind: str
    case_number: str | None
    entry_number: int | None
    recipient: str  # "" while the account's address is not known yet
    recipient_name: str
    account_id: str | None
    reason: str | None
    with_links: bool
    subject: str
    body_text: str
    body_html: str | None
    message_id: str
    attempts: int
    composed_at: datetime
    entered_at: datetime | None
    trace_id: str | None
    token_id: str | None


def claim_due(conn: Connection[Any], now: datetime) -> Due | None:
    row = conn.execute(_CLAIM, [now]).fetchone()
    return Due(*row) if row else None


@dataclass(frozen=True)
class Queued:
    notice_id: str
    kind: str
    account_id: str | None
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    message_id: str
    token_id: str | None


def enqueue(conn: Connection[Any], mail: Queued) -> None:
    """A composed mail, due at once; the same id queued twice is one row."""
    conn.execute(
        "INSERT INTO notices (notice_id, kind, account_id, recipient_email, recipient_name,"
        " notice_format, status, subject, body_text, body_html, message_id, token_id,"
        " composed_at) VALUES (%s, %s, %s, %s, '', %s, 'pending', %s, %s, %s, %s, %s, now())"
        " ON CONFLICT (notice_id) DO NOTHING",
        [
            mail.notice_id,
            mail.kind,
            mail.account_id,
            mail.recipient,
            "text" if mail.body_html is None else "html",
            mail.subject,
            mail.body_text,
            mail.body_html,
            mail.message_id,
            mail.token_id,
        ],
    )


def wait_for_address(conn: Connection[Any], notice_id: str, *, until: datetime) -> None:
    """Not an attempt: nothing was sent, the message is fine."""
    conn.execute(
        "UPDATE notices SET next_attempt_at = %s, last_error = %s WHERE notice_id = %s",
        [until, "waiting for the account's address", notice_id],
    )


def record_retry(
    conn: Connection[Any], notice_id: str, *, attempts: int, next_at: datetime, error: str | None
) -> None:
    conn.execute(
        "UPDATE notices SET status = 'retrying', attempts = %s, next_attempt_at = %s,"
        " last_error = %s WHERE notice_id = %s",
        [attempts, next_at, error, notice_id],
    )


def record_done(
    conn: Connection[Any],
    notice_id: str,
    *,
    status: str,
    attempts: int,
    at: datetime,
    error: str | None,
    forget_links: bool,
) -> None:
    """``sent`` or ``failed``, for good. With ``forget_links`` the free-look tokens are blanked
    in the kept message (in the same statement) and dropped from ``free_looks``."""
    conn.execute(
        "UPDATE notices SET status = %(status)s, attempts = %(attempts)s, last_error = %(error)s,"
        " sent_at = CASE WHEN %(status)s = 'sent' THEN %(at)s::timestamptz END,"
        " failed_at = CASE WHEN %(status)s = 'failed' THEN %(at)s::timestamptz END,"
        " body_text = CASE WHEN %(forget)s"
        "  THEN regexp_replace(body_text, %(token)s, %(blank)s, 'g') ELSE body_text END,"
        " body_html = CASE WHEN %(forget)s"
        "  THEN regexp_replace(body_html, %(token)s, %(blank)s, 'g') ELSE body_html END"
        " WHERE notice_id = %(id)s",
        {
            "status": status,
            "attempts": attempts,
            "error": error,
            "at": at,
            "forget": forget_links,
            "token": FREE_LOOK_LINK_PATTERN,
            "blank": r"\1[sent]",
            "id": notice_id,
        },
    )
    if forget_links:
        conn.execute("UPDATE free_looks SET token = NULL WHERE notice_id = %s", [notice_id])


@dataclass(frozen=True)
class QueueState:
    retrying_ndas: int
    retrying_mail: int
    awaiting_links: int
    oldest_unsent_nda_seconds: float


def queue_state(conn: Connection[Any]) -> QueueState:
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'retrying' AND kind = 'nda'),"
        " count(*) FILTER (WHERE status = 'retrying' AND kind <> 'nda'),"
        " count(*) FILTER (WHERE status = 'needs_links'),"
        " coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE kind = 'nda')), 0)"
        " FROM notices WHERE status IN ('needs_links', 'pending', 'retrying')"
    ).fetchone()
    retrying_ndas, retrying_mail, awaiting, oldest = row or (0, 0, 0, 0)
    return QueueState(int(retrying_ndas), int(retrying_mail), int(awaiting), float(oldest))
