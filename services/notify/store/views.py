"""SQL of the views notify keeps: cases, parties, counsel and entries (docket.events), and
accounts with their secondary addresses (auth.events)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

# -- cases, parties, counsel -------------------------------------------------------------------


def upsert_case(conn: Connection[Any], *, case_number: str, title: str, case_type: str) -> None:
    conn.execute(
        "INSERT INTO cases (case_number, title, case_type) VALUES (%s, %s, %s)"
        " ON CONFLICT (case_number) DO UPDATE SET title = excluded.title,"
        " case_type = excluded.case_type, updated_at = now()",
        [case_number, title, case_type],
    )


def ensure_case(conn: Connection[Any], case_number: str) -> None:
    """A placeholder whose title and type arrive with case_opened or the entry."""
    conn.execute(
        "INSERT INTO cases (case_number, title, case_type) VALUES (%s, '', 'unspecified')"
        " ON CONFLICT DO NOTHING",
        [case_number],
    )


def fill_case(conn: Connection[Any], *, case_number: str, title: str, case_type: str) -> None:
    """Fill in only what an appearance read first could not know; no write otherwise."""
    conn.execute(
        "INSERT INTO cases (case_number, title, case_type) VALUES (%s, %s, %s)"
        " ON CONFLICT (case_number) DO UPDATE SET"
        " title = CASE WHEN cases.title = '' THEN excluded.title ELSE cases.title END,"
        " case_type = CASE WHEN cases.case_type = 'unspecified' THEN excluded.case_type"
        " ELSE cases.case_type END"
        " WHERE cases.title = '' OR cases.case_type = 'unspecified'",
        [case_number, title, case_type],
    )


def add_parties(
    conn: Connection[Any], case_number: str, parties: Sequence[tuple[str, str]]
) -> None:
    """(name, role) pairs; a party already known stays as it is."""
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO case_parties (case_number, name, role) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [(case_number, name, role) for name, role in parties],
        )


@dataclass(frozen=True)
class CounselRow:
    case_number: str
    account_id: str
    name: str
    firm: str
    party_name: str
    notices: bool
    since_entry: int


def upsert_counsel(conn: Connection[Any], counsel: CounselRow) -> None:
    """Counsel of record from the earliest entry any event named them with."""
    conn.execute(
        "INSERT INTO case_counsel (case_number, account_id, name, firm, party_name, notices,"
        " since_entry) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (case_number, account_id) DO UPDATE"
        " SET name = excluded.name, firm = excluded.firm, party_name = excluded.party_name,"
        " notices = excluded.notices,"
        " since_entry = LEAST(case_counsel.since_entry, excluded.since_entry)",
        [
            counsel.case_number,
            counsel.account_id,
            counsel.name,
            counsel.firm,
            counsel.party_name,
            counsel.notices,
            counsel.since_entry,
        ],
    )


# -- entries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryRow:
    case_number: str
    entry_number: int
    case_title: str
    case_type: str
    docket_text: str
    filer: str
    filed_at: datetime
    entered_at: datetime
    documents: list[dict[str, Any]]  # [{document_id, filename, pages}], in docket order
    sealed: bool
    filing_type: str
    event_id: str
    trace_id: str


def insert_entry(conn: Connection[Any], entry: EntryRow) -> bool:
    """True when new; the same entry under another event id is recorded once."""
    return bool(
        conn.execute(
            "INSERT INTO entries (case_number, entry_number, case_title, case_type, docket_text,"
            " filer, filed_at, entered_at, documents, sealed, filing_type, event_id, trace_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [
                entry.case_number,
                entry.entry_number,
                entry.case_title,
                entry.case_type,
                entry.docket_text,
                entry.filer,
                entry.filed_at,
                entry.entered_at,
                json.dumps(entry.documents),
                entry.sealed,
                entry.filing_type,
                entry.event_id,
                entry.trace_id,
            ],
        ).rowcount
    )


def seal_entry(conn: Connection[Any], case_number: str, entry_number: int) -> None:
    conn.execute(
        "UPDATE entries SET sealed = true WHERE case_number = %s AND entry_number = %s",
        [case_number, entry_number],
    )


# -- accounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    account_id: str
    username: str
    name: str
    email: str
    role: str
    notice_format: str
    notices_enabled: bool
    updated_at: datetime


def upsert_account(conn: Connection[Any], account: AccountRow) -> bool:
    """Last writer by event time wins; True when notify hears of the account the first time."""
    row = conn.execute(
        "INSERT INTO recipients (account_id, username, name, email, role, notice_format,"
        " notices_enabled, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (account_id) DO UPDATE SET username = excluded.username,"
        " name = excluded.name, email = excluded.email, role = excluded.role,"
        " notice_format = excluded.notice_format, notices_enabled = excluded.notices_enabled,"
        " updated_at = excluded.updated_at WHERE recipients.updated_at <= excluded.updated_at"
        " RETURNING (xmax = 0)",
        [
            account.account_id,
            account.username,
            account.name,
            account.email,
            account.role,
            account.notice_format,
            account.notices_enabled,
            account.updated_at,
        ],
    ).fetchone()
    return row is not None and bool(row[0])


def update_account(
    conn: Connection[Any],
    *,
    account_id: str,
    name: str,
    email: str,
    notice_format: str,
    notices_enabled: bool,
    address: str,
    updated_at: datetime,
) -> bool:
    """False when the row is newer than this snapshot (nothing changed)."""
    return bool(
        conn.execute(
            "UPDATE recipients SET name = %s, email = %s, notice_format = %s,"
            " notices_enabled = %s, address = %s, updated_at = %s"
            " WHERE account_id = %s AND updated_at <= %s",
            [
                name,
                email,
                notice_format,
                notices_enabled,
                address,
                updated_at,
                account_id,
                updated_at,
            ],
        ).rowcount
    )


def replace_secondary_emails(
    conn: Connection[Any], account_id: str, addresses: Sequence[tuple[str, list[str] | None]]
) -> None:
    """(address, case numbers or None for every case) in the owner's order."""
    conn.execute("DELETE FROM secondary_emails WHERE account_id = %s", [account_id])
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO secondary_emails (account_id, position, email, case_numbers)"
            " VALUES (%s, %s, %s, %s)",
            [
                (account_id, position, email, cases)
                for position, (email, cases) in enumerate(addresses)
            ],
        )


def account_name_and_email(conn: Connection[Any], account_id: str) -> tuple[str, str] | None:
    row = conn.execute(
        "SELECT name, email FROM recipients WHERE account_id = %s", [account_id]
    ).fetchone()
    return (row[0], row[1]) if row else None
