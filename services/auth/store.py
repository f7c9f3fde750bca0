"""SQL for the auth schema."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import Connection
from psycopg.errors import UniqueViolation
from psycopg.rows import class_row

from services.auth.models import Account, NewAccount

_ACCOUNT_COLUMNS = (
    "account_id::text, username, name, email, role, bar_number, bar_state, firm, address,"
    " efiler_status, notice_format, notices_enabled, created_at"
)


class UsernameTaken(Exception):
    pass


def insert_account(conn: Connection[Any], account: NewAccount, *, password_hash: str) -> Account:
    try:
        with conn.transaction():  # a savepoint: the caller's transaction survives a duplicate
            cursor = conn.cursor(row_factory=class_row(Account))
            row = cursor.execute(
                "INSERT INTO accounts (account_id, username, name, email, role, password_hash,"
                " bar_number, bar_state, firm, address)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
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
                ],
            ).fetchone()
    except UniqueViolation as exc:
        raise UsernameTaken(account.username) from exc
    assert row is not None
    return row


def account_by_username(conn: Connection[Any], username: str) -> Account | None:
    cursor = conn.cursor(row_factory=class_row(Account))
    return cursor.execute(
        f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE lower(username) = lower(%s)", [username]
    ).fetchone()
