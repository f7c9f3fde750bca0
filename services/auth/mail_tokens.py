"""Single-use tokens carried by an e-mail: password resets and address confirmations.

A request opens a *slot* (a token id, never secret) and names it in its event. The token
itself is minted only when notify sends the mail (``issue``, called through IssueMailToken),
and only its SHA-256 is kept: the plain token exists in the e-mail and nowhere else — not in
an event, an outbox row, a Kafka log, notify's queue or a log line. Minting again (a retried
send) replaces the hash, so only the token in the last mail works.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection

from services.auth.tokens import new_token, token_hash

RESET = "reset"
CONFIRM_EMAIL = "confirm_email"


@dataclass(frozen=True)
class Slot:
    token_id: str
    account_id: str
    purpose: str
    email: str
    primary_email: bool
    expires_at: datetime


def open_slot(
    conn: Connection[Any],
    *,
    account_id: str,
    purpose: str,
    email: str,
    now: datetime,
    ttl: timedelta,
    primary_email: bool = False,
) -> Slot:
    """A new slot; the account's older open slots for the same purpose and address end, and
    for a new primary address every older one's: only the newest request can move it."""
    conn.execute(
        "UPDATE mail_tokens SET ended_at = %s WHERE account_id = %s AND purpose = %s"
        " AND (lower(email) = lower(%s) OR (%s AND primary_email)) AND ended_at IS NULL",
        [now, account_id, purpose, email, primary_email],
    )
    slot = Slot(str(uuid.uuid4()), account_id, purpose, email, primary_email, now + ttl)
    conn.execute(
        "INSERT INTO mail_tokens (token_id, account_id, purpose, email, primary_email,"
        " created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [slot.token_id, account_id, purpose, email, primary_email, now, slot.expires_at],
    )
    return slot


def issue(conn: Connection[Any], token_id: str, now: datetime) -> str | None:
    """A fresh token for an open slot (its hash replaces any earlier one); None if it ended."""
    token = new_token()
    updated = conn.execute(
        "UPDATE mail_tokens SET token_sha256 = %s, issued_at = %s"
        " WHERE token_id = %s AND ended_at IS NULL AND expires_at > %s",
        [token_hash(token), now, token_id, now],
    ).rowcount
    return token if updated else None


def redeem(conn: Connection[Any], token: str, *, purpose: str, now: datetime) -> Slot | None:
    """Use ``token`` once: its slot, or None when unknown, used, ended or expired."""
    if not token or len(token) > 200:
        return None
    row = conn.execute(
        "UPDATE mail_tokens SET ended_at = %s WHERE token_sha256 = %s AND purpose = %s"
        " AND ended_at IS NULL AND expires_at > %s"
        " RETURNING token_id::text, account_id::text, purpose, email, primary_email, expires_at",
        [now, token_hash(token), purpose, now],
    ).fetchone()
    return Slot(*row) if row else None


def end_all(conn: Connection[Any], account_id: str, *, purpose: str, now: datetime) -> None:
    conn.execute(
        "UPDATE mail_tokens SET ended_at = %s WHERE account_id = %s AND purpose = %s"
        " AND ended_at IS NULL",
        [now, account_id, purpose],
    )


def end_before_security_change(
    conn: Connection[Any], account_id: str, *, primary_email: str, now: datetime
) -> None:
    """End every link mailed before a security change (a password changed or reset, the
    address moved, the second factor changed): a reset, or a pending move of the address
    asked by someone who once knew the password, must not undo it. Only the confirmation of
    the address the account has now is kept: that address is its owner's."""
    conn.execute(
        "UPDATE mail_tokens SET ended_at = %s WHERE account_id = %s AND ended_at IS NULL"
        " AND NOT (purpose = %s AND lower(email) = lower(%s))",
        [now, account_id, CONFIRM_EMAIL, primary_email],
    )
