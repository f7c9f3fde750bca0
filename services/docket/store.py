"""SQL for the docket schema."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection, sql
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from services.docket.case_numbers import Series
from services.docket.models import CaseRecord, CounselRecord, EntryRecord, NewEntry

CASE_COLUMNS = (
    "case_id, case_number, title, case_type, status, opened_at, parties, origin_agency,"
    " alien_number, last_entry_number, fee_status, case_subtype,"
    " imported_at IS NOT NULL AS imported"
)
ENTRY_COLUMNS = (
    "case_id, entry_number, filing_type, filing_id::text, filed_at, entered_at, text,"
    " filer_name, filer_account_id::text, documents, sealed_at, acms_document_count,"
    " acms_page_count"
)
COUNSEL_COLUMNS = "case_id, account_id::text, name, firm, party_name, notices"
# Counting every match of a broad search would read every match; past this, "or more".
COUNT_CAP = 1_000


# -- cases -------------------------------------------------------------------------------


def next_case_sequence(conn: Connection[Any], series: Series) -> int:
    """The next number of ``series``; the row stays locked until the transaction ends."""
    row = conn.execute(
        "INSERT INTO case_number_sequences AS s (series, year, last_number) VALUES (%s, %s, 1)"
        " ON CONFLICT (series, year) DO UPDATE SET last_number = s.last_number + 1"
        " RETURNING last_number",
        [series.name, series.year],
    ).fetchone()
    assert row is not None
    return int(row[0])


def insert_case(
    conn: Connection[Any],
    *,
    case_number: str,
    title: str,
    case_type: str,
    opened_at: datetime,
    parties: list[dict[str, str]],
    opening_filing_id: str,
    origin_agency: str = "",
    alien_number: str = "",
) -> CaseRecord:
    cursor = conn.cursor(row_factory=class_row(CaseRecord))
    row = cursor.execute(
        "INSERT INTO cases (case_number, title, case_type, opened_at, parties, origin_agency,"
        " alien_number, opening_filing_id, search_text)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        f" RETURNING {CASE_COLUMNS}",
        [
            case_number,
            title,
            case_type,
            opened_at,
            Jsonb(parties),
            origin_agency,
            alien_number,
            opening_filing_id,
            search_text(title, parties),
        ],
    ).fetchone()
    assert row is not None
    return row


def search_text(title: str, parties: list[dict[str, Any]]) -> str:
    return " ".join([title, *(p["name"] for p in parties)])


def case_by_number(
    conn: Connection[Any], case_number: str, *, lock: bool = False
) -> CaseRecord | None:
    cursor = conn.cursor(row_factory=class_row(CaseRecord))
    return cursor.execute(
        f"SELECT {CASE_COLUMNS} FROM cases WHERE case_number = %s"
        + (" FOR UPDATE" if lock else ""),
        [case_number],
    ).fetchone()


def case_opened_by(conn: Connection[Any], filing_id: str) -> CaseRecord | None:
    cursor = conn.cursor(row_factory=class_row(CaseRecord))
    return cursor.execute(
        f"SELECT {CASE_COLUMNS} FROM cases WHERE opening_filing_id = %s", [filing_id]
    ).fetchone()


def set_last_entry_number(conn: Connection[Any], case_id: int, number: int) -> None:
    conn.execute("UPDATE cases SET last_entry_number = %s WHERE case_id = %s", [number, case_id])


def set_parties(conn: Connection[Any], case: CaseRecord, parties: list[dict[str, str]]) -> None:
    conn.execute(
        "UPDATE cases SET parties = %s, search_text = %s WHERE case_id = %s",
        [Jsonb(parties), search_text(case.title, parties), case.case_id],
    )


def search_cases(
    conn: Connection[Any],
    *,
    number_prefixes: list[str],
    words: list[str],
    counsel_account_id: str | None,
    exclude_number: str | None,
    before_case_id: int | None,
    limit: int,
) -> tuple[list[CaseRecord], int]:
    """Matching cases, newest first (keyset on case_id), and how many match in all (capped)."""
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    for prefix in number_prefixes:
        conditions.append(sql.SQL("case_number LIKE %s"))
        params.append(like_escape(prefix) + "%")
    for word in words:
        conditions.append(sql.SQL("search_text ILIKE %s"))
        params.append("%" + like_escape(word) + "%")
    if counsel_account_id is not None:
        conditions.append(sql.SQL("case_id IN (SELECT case_id FROM counsel WHERE account_id = %s)"))
        params.append(counsel_account_id)
    if exclude_number is not None:
        conditions.append(sql.SQL("case_number <> %s"))
        params.append(exclude_number)
    where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")
    page_where = where
    page_params = list(params)
    if before_case_id is not None:
        page_where = sql.SQL("{} AND case_id < %s").format(where)
        page_params.append(before_case_id)
    # Never prepared: a generic plan cannot use the prefix or trigram index for a pattern it
    # does not know, so each search is planned for its own terms (a fraction of a ms).
    cursor = conn.cursor(row_factory=class_row(CaseRecord))
    rows = cursor.execute(
        sql.SQL(
            "SELECT " + CASE_COLUMNS + " FROM cases WHERE {} ORDER BY case_id DESC LIMIT %s"
        ).format(page_where),
        [*page_params, limit],
        prepare=False,
    ).fetchall()
    count_query: sql.Composable
    if counsel_account_id is not None and len(conditions) == 1:
        # Only "my cases": count the attorney's counsel rows (an index-only scan).
        count_query = sql.SQL(
            "SELECT count(*) FROM (SELECT 1 FROM counsel WHERE account_id = %s LIMIT %s) AS m"
        )
    else:
        count_query = sql.SQL(
            "SELECT count(*) FROM (SELECT 1 FROM cases WHERE {} LIMIT %s) AS m"
        ).format(where)
    counted = conn.execute(count_query, [*params, COUNT_CAP], prepare=False).fetchone()
    return rows, int(counted[0]) if counted else 0


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- counsel -----------------------------------------------------------------------------


def counsel_for(conn: Connection[Any], case_ids: list[int]) -> dict[int, list[CounselRecord]]:
    found: dict[int, list[CounselRecord]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    cursor = conn.cursor(row_factory=class_row(CounselRecord))
    for row in cursor.execute(
        f"SELECT {COUNSEL_COLUMNS} FROM counsel WHERE case_id = ANY(%s)"
        " ORDER BY case_id, entry_number, name",
        [case_ids],
    ):
        found[row.case_id].append(row)
    return found


def counsel_of(conn: Connection[Any], case_id: int, account_id: str) -> CounselRecord | None:
    cursor = conn.cursor(row_factory=class_row(CounselRecord))
    return cursor.execute(
        f"SELECT {COUNSEL_COLUMNS} FROM counsel WHERE case_id = %s AND account_id = %s",
        [case_id, account_id],
    ).fetchone()


def is_counsel(conn: Connection[Any], case_id: int, account_id: str) -> bool:
    return counsel_of(conn, case_id, account_id) is not None


def upsert_counsel(
    conn: Connection[Any],
    *,
    case_id: int,
    account_id: str,
    name: str,
    firm: str,
    party_name: str,
    entry_number: int,
    added_at: datetime,
    notices: bool = True,
) -> CounselRecord:
    """Make ``account_id`` counsel of record (again, for another party or with the other
    notice choice: the latest wins; one attorney is one counsel record in a case)."""
    cursor = conn.cursor(row_factory=class_row(CounselRecord))
    row = cursor.execute(
        "INSERT INTO counsel (case_id, account_id, name, firm, party_name, notices,"
        " entry_number, added_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (case_id, account_id) DO UPDATE SET name = excluded.name,"
        " firm = excluded.firm, party_name = excluded.party_name, notices = excluded.notices"
        f" RETURNING {COUNSEL_COLUMNS}",
        [case_id, account_id, name, firm, party_name, notices, entry_number, added_at],
    ).fetchone()
    assert row is not None
    return row


# -- entries -----------------------------------------------------------------------------


def insert_entry(
    conn: Connection[Any], *, case_id: int, number: int, entry: NewEntry, entered_at: datetime
) -> EntryRecord:
    cursor = conn.cursor(row_factory=class_row(EntryRecord))
    row = cursor.execute(
        "INSERT INTO entries (case_id, entry_number, filing_type, filing_id, filed_at,"
        " entered_at, text, filer_name, filer_account_id, documents)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        f" RETURNING {ENTRY_COLUMNS}",
        [
            case_id,
            number,
            entry.filing_type,
            entry.filing_id,
            entry.filed_at,
            entered_at,
            entry.text,
            entry.filer_name,
            entry.filer_account_id,
            Jsonb(entry.documents),
        ],
    ).fetchone()
    assert row is not None
    return row


def entry_for_filing(conn: Connection[Any], filing_id: str) -> EntryRecord | None:
    cursor = conn.cursor(row_factory=class_row(EntryRecord))
    return cursor.execute(
        f"SELECT {ENTRY_COLUMNS} FROM entries WHERE filing_id = %s", [filing_id]
    ).fetchone()


def entry(
    conn: Connection[Any], case_id: int, number: int, *, lock: bool = False
) -> EntryRecord | None:
    cursor = conn.cursor(row_factory=class_row(EntryRecord))
    return cursor.execute(
        f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = %s AND entry_number = %s"
        + (" FOR UPDATE" if lock else ""),
        [case_id, number],
    ).fetchone()


def count_entries(conn: Connection[Any], case_id: int) -> int:
    row = conn.execute("SELECT count(*) FROM entries WHERE case_id = %s", [case_id]).fetchone()
    return int(row[0]) if row else 0


def entries_page(
    conn: Connection[Any], case_id: int, *, after: int, limit: int
) -> list[EntryRecord]:
    """Entries numbered after ``after``, in order: one range scan of the primary key."""
    cursor = conn.cursor(row_factory=class_row(EntryRecord))
    return cursor.execute(
        f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = %s AND entry_number > %s"
        " ORDER BY entry_number LIMIT %s",
        [case_id, after, limit],
    ).fetchall()


def seal(conn: Connection[Any], case_id: int, number: int, *, by: str, at: datetime) -> EntryRecord:
    cursor = conn.cursor(row_factory=class_row(EntryRecord))
    row = cursor.execute(
        "UPDATE entries SET sealed_at = %s, sealed_by = %s"
        " WHERE case_id = %s AND entry_number = %s"
        f" RETURNING {ENTRY_COLUMNS}",
        [at, by, case_id, number],
    ).fetchone()
    assert row is not None
    return row


# -- fee status --------------------------------------------------------------------------


def set_fee_status(
    conn: Connection[Any],
    *,
    case_id: int,
    from_status: str,
    to_status: str,
    by: str | None,  # None: an ACMS import
    at: datetime,
) -> None:
    conn.execute("UPDATE cases SET fee_status = %s WHERE case_id = %s", [to_status, case_id])
    conn.execute(
        "INSERT INTO fee_status_changes (case_id, from_status, to_status, changed_by, changed_at)"
        " VALUES (%s, %s, %s, %s, %s)",
        [case_id, from_status, to_status, by, at],
    )


# -- cases imported from ACMS ------------------------------------------------------------


def reserve_case_sequence(conn: Connection[Any], series: Series, sequence: int) -> None:
    """Move ``series`` past ``sequence`` (never back): a new case never draws that number."""
    conn.execute(
        "INSERT INTO case_number_sequences AS s (series, year, last_number) VALUES (%s, %s, %s)"
        " ON CONFLICT (series, year) DO UPDATE"
        " SET last_number = greatest(s.last_number, excluded.last_number)",
        [series.name, series.year, sequence],
    )


def insert_imported_case(
    conn: Connection[Any],
    *,
    case_number: str,
    title: str,
    case_type: str,
    case_subtype: str,
    fee_status: str,
    opened_at: datetime,
    parties: list[dict[str, Any]],
    origin_agency: str,
    alien_number: str,
    last_entry_number: int,
    imported_at: datetime,
) -> CaseRecord:
    cursor = conn.cursor(row_factory=class_row(CaseRecord))
    row = cursor.execute(
        "INSERT INTO cases (case_number, title, case_type, case_subtype, fee_status, opened_at,"
        " parties, origin_agency, alien_number, last_entry_number, imported_at, search_text,"
        " acms_fee_status)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        f" RETURNING {CASE_COLUMNS}",
        [
            case_number,
            title,
            case_type,
            case_subtype,
            fee_status,
            opened_at,
            Jsonb(parties),
            origin_agency,
            alien_number,
            last_entry_number,
            imported_at,
            search_text(title, parties),
            fee_status,
        ],
    ).fetchone()
    assert row is not None
    return row


def seal_imported(conn: Connection[Any], case_id: int, numbers: list[int], *, at: datetime) -> None:
    """Entries ACMS kept sealed or restricted: sealed here too (by no one in this court)."""
    conn.execute(
        "UPDATE entries SET sealed_at = %s WHERE case_id = %s AND entry_number = ANY(%s)",
        [at, case_id, numbers],
    )


@dataclass(frozen=True)
class EntryOrigin:
    """What a re-import needs to know of an entry already on the docket."""

    number: int
    acms_imported: bool  # False: docketed here
    acms_sealed: bool  # ACMS sealed it at the last import
    sealed: bool
    sealed_here: bool  # a clerk here sealed it (an import's seal has no one)


def entry_origins(conn: Connection[Any], case_id: int) -> dict[int, EntryOrigin]:
    cursor = conn.cursor(row_factory=class_row(EntryOrigin))
    rows = cursor.execute(
        "SELECT entry_number AS number, acms_imported, coalesce(acms_sealed, false) AS acms_sealed,"
        " sealed_at IS NOT NULL AS sealed, sealed_by IS NOT NULL AS sealed_here"
        " FROM entries WHERE case_id = %s",
        [case_id],
    ).fetchall()
    return {row.number: row for row in rows}


def mark_acms_entry(
    conn: Connection[Any],
    case_id: int,
    number: int,
    *,
    acms_sealed: bool,
    document_count: int,
    page_count: int,
) -> None:
    """An entry just imported: it came from ACMS, with ACMS's seal and counts."""
    conn.execute(
        "UPDATE entries SET acms_imported = true, acms_sealed = %s, acms_document_count = %s,"
        " acms_page_count = %s WHERE case_id = %s AND entry_number = %s",
        [acms_sealed, document_count, page_count, case_id, number],
    )


def set_acms_seal(
    conn: Connection[Any], case_id: int, number: int, *, acms_sealed: bool, at: datetime
) -> None:
    """ACMS sealed (or unsealed) an imported entry since the last import: follow it. A seal a
    clerk made here is the court's own and stays (``sealed_by`` set)."""
    conn.execute(
        "UPDATE entries SET acms_sealed = %s,"
        " sealed_at = CASE WHEN sealed_by IS NOT NULL THEN sealed_at"
        "  WHEN %s THEN coalesce(sealed_at, %s) ELSE NULL END"
        " WHERE case_id = %s AND entry_number = %s",
        [acms_sealed, acms_sealed, at, case_id, number],
    )


def set_acms_fee_status(conn: Connection[Any], case_id: int, fee_status: str) -> None:
    conn.execute("UPDATE cases SET acms_fee_status = %s WHERE case_id = %s", [fee_status, case_id])


def acms_fee_status(conn: Connection[Any], case_id: int) -> str:
    row = conn.execute(
        "SELECT coalesce(acms_fee_status, '') FROM cases WHERE case_id = %s", [case_id]
    ).fetchone()
    return str(row[0]) if row else ""
