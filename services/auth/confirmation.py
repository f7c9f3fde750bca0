"""Asking an address to confirm itself: a single-use link, the only mail it gets until used.

Used for a registration's address, a new primary or secondary address, and a reset asked
for an account whose address was never confirmed (it gets the link again, not a reset).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from court.v1 import events_pb2
from psycopg import Connection

from services.auth import mail_tokens
from services.common.outbox import publish


def request_confirmation(
    conn: Connection[Any],
    *,
    account_id: str,
    name: str,
    email: str,
    primary: bool,
    now: datetime,
    ttl: timedelta,
) -> None:
    """Open a confirmation slot for ``email`` and ask notify (through the outbox) to mail it."""
    slot = mail_tokens.open_slot(
        conn,
        account_id=account_id,
        purpose=mail_tokens.CONFIRM_EMAIL,
        email=email,
        primary_email=primary,
        now=now,
        ttl=ttl,
    )
    payload = events_pb2.EmailConfirmationRequested(
        account_id=account_id, email=email, token_id=slot.token_id, name=name
    )
    payload.expires_at.FromDatetime(slot.expires_at)
    publish(
        conn,
        event_type="auth.email_confirmation_requested",
        source="auth",
        subject=account_id,
        payload=payload,
    )
