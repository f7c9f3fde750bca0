"""SQL of the notices stage: who receives an entry's NDA, who is served on paper, and the
notice rows themselves (one per entry and address, waiting for their free-look links)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

# Counsel at their primary address, counsel at their secondary addresses (all cases or this
# one), then subscribers who are not counsel in the case.
_RECIPIENTS = (
    "SELECT r.email, r.name, r.account_id::text, 'counsel', r.notice_format, r.role"
    " FROM case_counsel c JOIN recipients r USING (account_id)"
    " WHERE c.case_number = %(case)s AND c.since_entry <= %(entry)s AND r.notices_enabled"
    " AND c.notices"
    " AND (%(account)s::uuid IS NULL OR c.account_id = %(account)s::uuid)"
    " UNION ALL"
    " SELECT s.email, r.name, r.account_id::text, 'secondary', r.notice_format, r.role"
    " FROM case_counsel c JOIN recipients r USING (account_id)"
    " JOIN secondary_emails s USING (account_id)"
    " WHERE c.case_number = %(case)s AND c.since_entry <= %(entry)s AND r.notices_enabled"
    " AND c.notices"
    " AND (s.case_numbers IS NULL OR %(case)s = ANY (s.case_numbers))"
    " AND (%(account)s::uuid IS NULL OR c.account_id = %(account)s::uuid)"
    " UNION ALL"
    " SELECT r.email, r.name, r.account_id::text, 'subscriber', r.notice_format, r.role"
    " FROM subscriptions s JOIN recipients r USING (account_id)"
    " WHERE s.case_number = %(case)s"
    " AND (%(before)s::timestamptz IS NULL OR s.created_at <= %(before)s::timestamptz)"
    " AND (%(account)s::uuid IS NULL OR s.account_id = %(account)s::uuid)"
    " AND NOT EXISTS (SELECT 1 FROM case_counsel c WHERE c.case_number = s.case_number"
    " AND c.account_id = s.account_id)"
)


def lock_addressing(conn: Connection[Any], *, exclusive: bool) -> None:
    """The transaction's hold on who is addressed (notices.py, "Entries and account
    changes"): shared to address an entry, exclusive to change an account."""
    mode = "" if exclusive else "_shared"
    conn.execute(f"SELECT pg_advisory_xact_lock{mode}(hashtext('notify.addressing'))")


def recipient_rows(
    conn: Connection[Any],
    case_number: str,
    entry_number: int,
    *,
    account_id: str | None,
    subscribed_before: datetime | None,
) -> list[tuple[str, str, str | None, str, str, str]]:
    """(email, name, account id, reason, notice format, role), unsorted, possibly repeated."""
    return conn.execute(
        _RECIPIENTS,
        {
            "case": case_number,
            "entry": entry_number,
            "account": account_id,
            "before": subscribed_before,
        },
    ).fetchall()


def counsel_on_paper(
    conn: Connection[Any], case_number: str, entry_number: int
) -> list[tuple[str, str]]:
    """(name, party name) of counsel of record with notices off or no e-mail."""
    return conn.execute(
        "SELECT c.name, c.party_name FROM case_counsel c"
        " LEFT JOIN recipients r USING (account_id)"
        " WHERE c.case_number = %(case)s AND c.since_entry <= %(entry)s"
        " AND (NOT c.notices OR (r.account_id IS NOT NULL"
        " AND (NOT r.notices_enabled OR btrim(r.email) = '')))"
        " ORDER BY lower(c.name)",
        {"case": case_number, "entry": entry_number},
    ).fetchall()


def represented_party_names(
    conn: Connection[Any], case_number: str, entry_number: int
) -> list[str]:
    """The party_name of each counsel of record (``;``-separated when several)."""
    return [
        name
        for (name,) in conn.execute(
            "SELECT party_name FROM case_counsel WHERE case_number = %s AND since_entry <= %s",
            [case_number, entry_number],
        ).fetchall()
    ]


def parties_without_email(conn: Connection[Any], case_number: str) -> list[tuple[str, str]]:
    """(name, role) of the case's parties with no e-mail."""
    return conn.execute(
        "SELECT name, role FROM case_parties WHERE case_number = %s AND btrim(email) = ''"
        " ORDER BY lower(name)",
        [case_number],
    ).fetchall()


@dataclass(frozen=True)
class NoticeRow:
    notice_id: str
    case_number: str
    entry_number: int
    email: str
    name: str
    account_id: str | None
    reason: str
    notice_format: str
    with_links: bool
    message_id: str
    # Filled in by the database; read back by the composer.
    link_attempts: int = 0
    created_at: datetime | None = None


def insert_notice(conn: Connection[Any], notice: NoticeRow) -> bool:
    """True when new: the same notice recorded twice is one row."""
    return bool(
        conn.execute(
            "INSERT INTO notices (notice_id, kind, case_number, entry_number, recipient_email,"
            " recipient_name, account_id, reason, notice_format, with_links, message_id)"
            " VALUES (%s, 'nda', %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [
                notice.notice_id,
                notice.case_number,
                notice.entry_number,
                notice.email,
                notice.name,
                notice.account_id,
                notice.reason,
                notice.notice_format,
                notice.with_links,
                notice.message_id,
            ],
        ).rowcount
    )


def entries_from(
    conn: Connection[Any],
    case_number: str,
    from_entry: int,
    *,
    recorded_since: datetime | None = None,
) -> list[tuple[int, str, bool, bool, datetime]]:
    """(entry number, case type, sealed, has documents, recorded at) from ``from_entry`` on,
    only those notify recorded at or after ``recorded_since`` when it is given."""
    return conn.execute(
        "SELECT entry_number, case_type, sealed, jsonb_array_length(documents) > 0, recorded_at"
        " FROM entries WHERE case_number = %(case)s AND entry_number >= %(from)s"
        " AND (%(since)s::timestamptz IS NULL OR recorded_at >= %(since)s::timestamptz)"
        " ORDER BY entry_number",
        {"case": case_number, "from": from_entry, "since": recorded_since},
    ).fetchall()


def cases_of_account(conn: Connection[Any], account_id: str) -> list[tuple[str, int]]:
    """(case number, first entry) of the cases where the account is counsel or subscriber."""
    return conn.execute(
        "SELECT case_number, min(since_entry) FROM ("
        " SELECT case_number, since_entry FROM case_counsel WHERE account_id = %(a)s"
        " UNION ALL SELECT case_number, 0 FROM subscriptions WHERE account_id = %(a)s"
        ") AS mine GROUP BY case_number",
        {"a": account_id},
    ).fetchall()


def compose_unsent_again(conn: Connection[Any], case_number: str, entry_number: int) -> int:
    """The entry's notices not yet sent, back to the composer without links; how many."""
    return conn.execute(
        "UPDATE notices SET status = 'needs_links', with_links = false, subject = NULL,"
        " body_text = NULL, body_html = NULL, composed_at = NULL, next_attempt_at = now()"
        " WHERE case_number = %s AND entry_number = %s AND status IN ('pending', 'retrying')",
        [case_number, entry_number],
    ).rowcount
