"""SQL of notify's API: a person's NDAs, one NDA's delivery, case subscriptions."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

from services.common.errors import CourtError
from services.notify.compose.nda_form import shown_entry, subject_line

_COLUMNS = (
    "n.notice_id::text, n.case_number, n.entry_number, n.subject, n.recipient_email,"
    " n.status, n.sent_at, e.case_title, n.notice_format, n.created_at, n.attempts,"
    " n.last_error, n.next_attempt_at, n.account_id::text, e.filing_type, e.docket_text,"
    " e.sealed"
)
# A person's notices are their account's: never matched by address, since an address on an
# account proves nothing about who reads it.
_MINE = "n.kind = 'nda' AND n.account_id = %(account)s::uuid"


@dataclass(frozen=True)
class NoticeRow:
    notice_id: str
    case_number: str
    entry_number: int
    subject: str | None
    recipient_email: str
    status: str
    sent_at: datetime | None
    case_title: str
    notice_format: str
    created_at: datetime
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    account_id: str | None
    filing_type: str
    docket_text: str
    sealed: bool

    @property
    def subject_line(self) -> str:
        # Not composed yet, or sealed since it was sent: the subject it has now.
        if self.subject and not self.sealed:
            return self.subject
        return subject_line(
            case_number=self.case_number,
            case_title=self.case_title,
            docket_text=shown_entry(self.docket_text, [], sealed=self.sealed)[0],
            entry_number=self.entry_number,
        )


def list_notices(
    conn: Connection[Any], *, account_id: str, page_size: int, page_token: str
) -> tuple[list[NoticeRow], str, int]:
    """Newest first; returns (rows, next page token, total)."""
    params: dict[str, Any] = {
        "account": account_id,
        "limit": page_size + 1,
    }
    after = ""
    if page_token:
        params["after_at"], params["after_id"] = _decode_token(page_token)
        after = " AND (n.created_at, n.notice_id) < (%(after_at)s, %(after_id)s::uuid)"
    rows = [
        NoticeRow(*row)
        for row in conn.execute(
            f"SELECT {_COLUMNS} FROM notices n JOIN entries e USING (case_number, entry_number)"
            f" WHERE {_MINE}{after} ORDER BY n.created_at DESC, n.notice_id DESC"
            " LIMIT %(limit)s",
            params,
        ).fetchall()
    ]
    total_row = conn.execute(f"SELECT count(*) FROM notices n WHERE {_MINE}", params).fetchone()
    next_token = ""
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_token = _encode_token(last.created_at, last.notice_id)
    return rows, next_token, int(total_row[0]) if total_row else 0


def get_notice(
    conn: Connection[Any], *, notice_id: str, account_id: str, court_staff: bool
) -> NoticeRow:
    """One notice of the caller's (any notice for court staff); not_found otherwise."""
    try:
        uuid.UUID(notice_id)
    except ValueError:
        raise CourtError("not_found", "no such notice") from None
    params = {
        "id": notice_id,
        "account": account_id,
    }
    mine = "" if court_staff else f" AND {_MINE}"
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM notices n JOIN entries e USING (case_number, entry_number)"
        f" WHERE n.kind = 'nda' AND n.notice_id = %(id)s::uuid{mine}",
        params,
    ).fetchone()
    if row is None:
        # Someone else's notice is as absent as a notice that never was.
        raise CourtError("not_found", "no such notice")
    return NoticeRow(*row)


def subscribe(conn: Connection[Any], *, account_id: str, case_number: str) -> bool:
    """Subscribe to a case's NDAs; True when new. Counsel of record get them already."""
    if conn.execute("SELECT 1 FROM cases WHERE case_number = %s", [case_number]).fetchone() is None:
        raise CourtError("not_found", f"no case {case_number}")
    counsel = conn.execute(
        "SELECT 1 FROM case_counsel WHERE case_number = %s AND account_id = %s",
        [case_number, account_id],
    ).fetchone()
    if counsel is not None:
        raise CourtError(
            "duplicate",
            f"you are counsel of record in {case_number} and receive its notices already",
        )
    return bool(
        conn.execute(
            "INSERT INTO subscriptions (case_number, account_id) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING",
            [case_number, account_id],
        ).rowcount
    )


def unsubscribe(conn: Connection[Any], *, account_id: str, case_number: str) -> bool:
    return bool(
        conn.execute(
            "DELETE FROM subscriptions WHERE case_number = %s AND account_id = %s",
            [case_number, account_id],
        ).rowcount
    )


def _encode_token(created_at: datetime, notice_id: str) -> str:
    raw = f"{created_at.isoformat()}|{notice_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created, notice_id = raw.split("|", 1)
        return datetime.fromisoformat(created), str(uuid.UUID(notice_id))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CourtError(
            "validation_failed",
            "page_token is not one this service gave out",
            details={"field": "page_token"},
        ) from None
