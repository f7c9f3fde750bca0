"""Step-up: what can take an account asks again for what only its owner knows.

Changing the primary address, the password or the second factor needs the current password
and, when a second factor is enrolled, a current code: a stolen session token alone cannot
move the account to someone else. Each such change is told to the address the account had
before it, and ends the account's other sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from court.v1 import events_pb2
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.auth import mail_tokens, mfa, passwords, store, throttle
from services.auth.models import Account, Credentials
from services.auth.throttle import Rule
from services.auth.totp_keys import TotpKeyring
from services.common.errors import CourtError
from services.common.outbox import publish

REAUTHENTICATE = (
    "confirm this change with your current password (and the code from your authenticator "
    "app when a second factor is set up)"
)


# Wrong step-ups per account: someone holding a stolen token guesses the password slowly.
STEP_UP_RULE = Rule("step-up", 5, timedelta(seconds=30), timedelta(minutes=15))


@contextmanager
def guarded(pool: ConnectionPool, account_id: str, now: datetime) -> Iterator[None]:
    """Around a step-up: refuse while the account's step-ups are throttled; count it as
    failed before it is tried, and take that back unless it was refused for its password or
    code (throttle.attempt: parallel guesses cannot all slip under the limit)."""
    with throttle.attempt(pool, [(STEP_UP_RULE, account_id)], now, failed=_wrong_step_up):
        yield


def _wrong_step_up(exc: BaseException) -> bool:
    return isinstance(exc, CourtError) and exc.code == "reauthentication_required"


def reauthenticate(
    conn: Connection[Any],
    account_id: str,
    *,
    current_password: str,
    otp: str,
    now: datetime,
    totp_keys: TotpKeyring,
) -> Credentials:
    """The account's credentials, once the caller proved them again; else 403.

    Runs under the account's row lock, and records the code's time step so it is not
    accepted twice.
    """
    creds = store.credentials_for_update(conn, account_id)
    if creds is None:
        raise CourtError("not_found", "no such account")
    password = current_password[: passwords.MAX_LENGTH]
    if not password or not passwords.verify_password(creds.password_hash, password):
        raise CourtError("reauthentication_required", REAUTHENTICATE)
    if creds.mfa_enrolled and creds.mfa_secret:
        secret = totp_keys.open_or_none(account_id, creds.mfa_secret)
        step = (
            mfa.matching_step(secret, otp[:32], now=now, last_step=creds.mfa_last_step)
            if secret
            else None
        )
        if step is None:
            raise CourtError("reauthentication_required", REAUTHENTICATE)
        conn.execute(
            "UPDATE accounts SET mfa_last_step = %s WHERE account_id = %s", [step, account_id]
        )
    return creds


def end_what_came_before(
    conn: Connection[Any],
    account: Account,
    *,
    reason: str,
    now: datetime,
    keep_session: str | None = None,
) -> None:
    """After a security change or a reset: every session (but the one making the change) and
    every link mailed before it end, so neither a stolen token nor an old link undoes it."""
    store.revoke_sessions(
        conn, account_id=account.account_id, reason=reason, now=now, keep=keep_session
    )
    mail_tokens.end_before_security_change(
        conn, account.account_id, primary_email=account.email, now=now
    )


def after_security_change(
    conn: Connection[Any], account: Account, *, change: str, keep_session: str, now: datetime
) -> None:
    """Tell the address ``account`` had before the change (through the outbox and notify),
    and end every other session and every link mailed before it."""
    account_id = account.account_id
    end_what_came_before(
        conn, account, reason=f"security change: {change}", keep_session=keep_session, now=now
    )
    payload = events_pb2.SecurityChanged(
        account_id=account_id, name=account.name, email=account.mail_address, change=change
    )
    payload.changed_at.FromDatetime(now)
    publish(
        conn,
        event_type="auth.security_changed",
        source="auth",
        subject=account_id,
        payload=payload,
    )
