"""SQL for the auth schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.errors import UniqueViolation
from psycopg.rows import class_row

from services.auth.models import Account, Credentials, NewAccount, SecondaryEmail

_ACCOUNT_COLUMNS = (
    "account_id::text, username, name, email, role, bar_number, bar_state, firm, address,"
    " efiler_status, notice_format, notices_enabled, created_at, mfa_enrolled, email_confirmed"
)


class UsernameTaken(Exception):
    pass


def _with_secondaries(conn: Connection[Any], account: Account | None) -> Account | None:
    if account is None:
        return None
    rows = conn.execute(
        "SELECT email, case_numbers, confirmed FROM secondary_emails WHERE account_id = %s"
        " ORDER BY position",
        [account.account_id],
    ).fetchall()
    secondaries = tuple(
        SecondaryEmail(email, tuple(cases) if cases is not None else None, confirmed)
        for email, cases, confirmed in rows
    )
    return Account(**{**account.__dict__, "secondary_emails": secondaries})


def insert_account(
    conn: Connection[Any], account: NewAccount, *, password_hash: str, email_confirmed: bool
) -> Account:
    try:
        with conn.transaction():  # a savepoint: the caller's transaction survives a duplicate
            cursor = conn.cursor(row_factory=class_row(Account))
            row = cursor.execute(
                "INSERT INTO accounts (account_id, username, name, email, role, password_hash,"
                " bar_number, bar_state, firm, address, email_confirmed)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                f" RETURNING {_ACCOUNT_COLUMNS}",
                [
                    uuid.uuid4(),
                    account.username,
                    account.name,
                    account.email,
                    account.role,
                    password_hash,
                    account.bar_number,
                    account.bar_state,
                    account.firm,
                    account.address,
                    email_confirmed,
                ],
            ).fetchone()
    except UniqueViolation as exc:
        raise UsernameTaken(account.username) from exc
    assert row is not None
    return row


def account_by_username(conn: Connection[Any], username: str) -> Account | None:
    cursor = conn.cursor(row_factory=class_row(Account))
    row = cursor.execute(
        f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE lower(username) = lower(%s)", [username]
    ).fetchone()
    return _with_secondaries(conn, row)


def account_by_id(conn: Connection[Any], account_id: str, *, lock: bool = False) -> Account | None:
    cursor = conn.cursor(row_factory=class_row(Account))
    row = cursor.execute(
        f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE account_id = %s"
        + (" FOR UPDATE" if lock else ""),
        [account_id],
    ).fetchone()
    return _with_secondaries(conn, row)


def confirm_primary_email(conn: Connection[Any], account_id: str, email: str) -> None:
    conn.execute(
        "UPDATE accounts SET email = %s, email_confirmed = true, updated_at = now()"
        " WHERE account_id = %s",
        [email, account_id],
    )


def accounts_by_email(conn: Connection[Any], email: str) -> list[Account]:
    cursor = conn.cursor(row_factory=class_row(Account))
    return cursor.execute(
        f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE lower(email) = lower(%s)", [email]
    ).fetchall()


def credentials_for_update(conn: Connection[Any], account_id: str) -> Credentials | None:
    cursor = conn.cursor(row_factory=class_row(Credentials))
    return cursor.execute(
        "SELECT account_id::text, password_hash, failed_logins, locked_until, mfa_enrolled,"
        " mfa_secret, mfa_last_step FROM accounts WHERE account_id = %s FOR UPDATE",
        [account_id],
    ).fetchone()


def record_failed_login(
    conn: Connection[Any], account_id: str, *, failures: int, locked_until: datetime | None
) -> None:
    conn.execute(
        "UPDATE accounts SET failed_logins = %s, locked_until = %s WHERE account_id = %s",
        [failures, locked_until, account_id],
    )


def record_successful_login(conn: Connection[Any], account_id: str, mfa_step: int | None) -> None:
    conn.execute(
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL,"
        " mfa_last_step = coalesce(%s, mfa_last_step) WHERE account_id = %s",
        [mfa_step, account_id],
    )


def upgrade_password_hash(conn: Connection[Any], account_id: str, password_hash: str) -> None:
    """The same password, hashed with today's parameters (nothing else about the account)."""
    conn.execute(
        "UPDATE accounts SET password_hash = %s WHERE account_id = %s", [password_hash, account_id]
    )


def set_password(conn: Connection[Any], account_id: str, password_hash: str) -> None:
    conn.execute(
        "UPDATE accounts SET password_hash = %s, failed_logins = 0, locked_until = NULL,"
        " updated_at = now() WHERE account_id = %s",
        [password_hash, account_id],
    )


# -- sessions ----------------------------------------------------------------------------


def open_sessions(conn: Connection[Any], account_id: str, now: datetime) -> list[str]:
    rows = conn.execute(
        "SELECT session_id::text FROM sessions WHERE account_id = %s AND revoked_at IS NULL"
        " AND idle_expires_at > %s AND absolute_expires_at > %s",
        [account_id, now, now],
    ).fetchall()
    return [row[0] for row in rows]


def insert_session(
    conn: Connection[Any],
    *,
    account_id: str,
    token_sha256: bytes,
    now: datetime,
    idle_expires_at: datetime,
    absolute_expires_at: datetime,
) -> str:
    session_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO sessions (session_id, account_id, token_sha256, created_at, last_seen_at,"
        " idle_expires_at, absolute_expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [session_id, account_id, token_sha256, now, now, idle_expires_at, absolute_expires_at],
    )
    return session_id


def session_by_token(conn: Connection[Any], token_sha256: bytes) -> tuple[Any, ...] | None:
    return conn.execute(
        "SELECT s.session_id::text, s.account_id::text, s.last_seen_at, s.idle_expires_at,"
        " s.absolute_expires_at, s.revoked_at, a.username, a.name, a.role,"
        " a.efiler_status = 'approved', a.mfa_enrolled"
        " FROM sessions s JOIN accounts a USING (account_id) WHERE s.token_sha256 = %s",
        [token_sha256],
    ).fetchone()


def touch_session(
    conn: Connection[Any], session_id: str, now: datetime, idle_expires_at: datetime
) -> None:
    conn.execute(
        "UPDATE sessions SET last_seen_at = %s, idle_expires_at = %s"
        " WHERE session_id = %s AND revoked_at IS NULL",
        [now, idle_expires_at, session_id],
    )


def revoke_sessions(
    conn: Connection[Any],
    *,
    account_id: str,
    reason: str,
    now: datetime,
    only: str | None = None,
    keep: str | None = None,
) -> int:
    """End the account's open sessions: all of them, ``only`` one, or all but ``keep``."""
    return conn.execute(
        "UPDATE sessions SET revoked_at = %s, revoked_reason = %s"
        " WHERE account_id = %s AND revoked_at IS NULL"
        " AND (%s::uuid IS NULL OR session_id = %s::uuid)"
        " AND (%s::uuid IS NULL OR session_id <> %s::uuid)",
        [now, reason, account_id, only, only, keep, keep],
    ).rowcount


def count_active_sessions(conn: Connection[Any], now: datetime) -> int:
    row = conn.execute(
        "SELECT count(*) FROM sessions WHERE revoked_at IS NULL"
        " AND idle_expires_at > %s AND absolute_expires_at > %s",
        [now, now],
    ).fetchone()
    return int(row[0]) if row else 0
