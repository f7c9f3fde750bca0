"""SQL for the filing schema."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

from services.filing.models import Filing, Party, StoredDocument
from services.filing.rules import CaseFacts

_COLUMNS = (
    "filing_id::text, filer_account_id::text, filer_name, filing_type, case_number, title,"
    " case_type, parties, description, status, requires_review, received_at, reject_reason,"
    " entry_number, origin_agency, alien_number, receive_notices, filed_on_paper"
)


def _filing(conn: Connection[Any], row: tuple[Any, ...]) -> Filing:
    documents = conn.execute(
        "SELECT document_id::text, role, filename, sha256, pages, size_bytes, page_text_chars"
        " FROM filing_documents WHERE filing_id = %s ORDER BY position",
        [row[0]],
    ).fetchall()
    parties = row[7] if isinstance(row[7], list) else json.loads(row[7])
    return Filing(
        filing_id=row[0],
        filer_account_id=row[1],
        filer_name=row[2],
        filing_type=row[3],
        case_number=row[4],
        title=row[5],
        case_type=row[6],
        parties=tuple(Party(p["name"], p["role"]) for p in parties),
        description=row[8],
        status=row[9],
        requires_review=row[10],
        received_at=row[11],
        reject_reason=row[12],
        entry_number=row[13],
        origin_agency=row[14],
        alien_number=row[15],
        receive_notices=row[16],
        filed_on_paper=row[17],
        documents=tuple(
            StoredDocument(
                document_id=d[0],
                role=d[1],
                filename=d[2],
                sha256=d[3],
                pages=d[4],
                size_bytes=d[5],
                page_text_chars=tuple(d[6]),
            )
            for d in documents
        ),
    )


def insert_filing(
    conn: Connection[Any], filing: Filing, *, idempotency_key: str | None, request_sha256: str
) -> None:
    conn.execute(
        "INSERT INTO filings (filing_id, filer_account_id, filer_name, idempotency_key,"
        " request_sha256, filing_type, case_number, title, case_type, parties, description,"
        " status, requires_review, received_at, origin_agency, alien_number, receive_notices,"
        " filed_on_paper)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            filing.filing_id,
            filing.filer_account_id,
            filing.filer_name,
            idempotency_key,
            request_sha256,
            filing.filing_type,
            filing.case_number,
            filing.title,
            filing.case_type,
            Jsonb([{"name": p.name, "role": p.role} for p in filing.parties]),
            filing.description,
            filing.status,
            filing.requires_review,
            filing.received_at,
            filing.origin_agency,
            filing.alien_number,
            filing.receive_notices,
            filing.filed_on_paper,
        ],
    )
    for position, document in enumerate(filing.documents):
        conn.execute(
            "INSERT INTO filing_documents (filing_id, position, role, document_id, filename,"
            " sha256, pages, size_bytes, page_text_chars)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                filing.filing_id,
                position,
                document.role,
                document.document_id,
                document.filename,
                document.sha256,
                document.pages,
                document.size_bytes,
                list(document.page_text_chars),
            ],
        )


def filing_by_id(conn: Connection[Any], filing_id: str, *, lock: bool = False) -> Filing | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM filings WHERE filing_id = %s" + (" FOR UPDATE" if lock else ""),
        [filing_id],
    ).fetchone()
    return _filing(conn, row) if row else None


def filing_by_key(
    conn: Connection[Any], filer_account_id: str, key: str
) -> tuple[Filing, str] | None:
    row = conn.execute(
        f"SELECT {_COLUMNS}, request_sha256 FROM filings"
        " WHERE filer_account_id = %s AND idempotency_key = %s",
        [filer_account_id, key],
    ).fetchone()
    return (_filing(conn, row[:-1]), row[-1]) if row else None


def review_queue(conn: Connection[Any], limit: int) -> list[Filing]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM filings WHERE status = 'pending_review'"
        " ORDER BY received_at LIMIT %s",
        [limit],
    ).fetchall()
    return [_filing(conn, row) for row in rows]


def set_reviewed(
    conn: Connection[Any],
    filing_id: str,
    *,
    status: str,
    reviewer: str,
    when: datetime,
    reason: str = "",
) -> None:
    conn.execute(
        "UPDATE filings SET status = %s, reviewed_by = %s, reviewed_at = %s, reject_reason = %s"
        " WHERE filing_id = %s",
        [status, reviewer, when, reason, filing_id],
    )


def set_docketed(
    conn: Connection[Any], filing_id: str, *, case_number: str, entry_number: int, when: datetime
) -> None:
    # Only the first entry a filing produced counts (a petition's entry 1).
    conn.execute(
        "UPDATE filings SET status = 'docketed', case_number = %s, entry_number = %s,"
        " docketed_at = %s WHERE filing_id = %s AND entry_number IS NULL",
        [case_number, entry_number, when, filing_id],
    )


# -- the case view -------------------------------------------------------------------------


def case_facts(conn: Connection[Any], case_number: str) -> CaseFacts | None:
    row = conn.execute(  # one round trip: the case and its counsel
        "SELECT case_type, ARRAY(SELECT account_id::text FROM counsel c"
        " WHERE c.case_number = cases.case_number) FROM cases WHERE case_number = %s",
        [case_number],
    ).fetchone()
    if row is None:
        return None
    return CaseFacts(case_type=row[0], counsel_account_ids=frozenset(row[1]))


def upsert_case(conn: Connection[Any], case_number: str, case_type: str) -> None:
    conn.execute(
        "INSERT INTO cases (case_number, case_type) VALUES (%s, %s)"
        " ON CONFLICT (case_number) DO NOTHING",
        [case_number, case_type],
    )


def add_counsel(conn: Connection[Any], case_number: str, account_id: str) -> None:
    conn.execute(
        "INSERT INTO counsel (case_number, account_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        [case_number, account_id],
    )


# -- Idempotency-Key claims ------------------------------------------------------------------


def claim_key(
    conn: Connection[Any],
    *,
    filer_account_id: str,
    key: str,
    claim_id: str,
    request_sha256: str,
    stale_after_seconds: float,
) -> bool:
    """Take the key for this request; a claim older than ``stale_after_seconds`` (its holder
    crashed) is taken over. False when someone else holds it."""
    row = conn.execute(
        "INSERT INTO filing_claims (filer_account_id, idempotency_key, claim_id, request_sha256,"
        " claimed_at) VALUES (%s, %s, %s, %s, now())"
        " ON CONFLICT (filer_account_id, idempotency_key) DO UPDATE"
        " SET claim_id = EXCLUDED.claim_id, request_sha256 = EXCLUDED.request_sha256,"
        " claimed_at = EXCLUDED.claimed_at"
        " WHERE filing_claims.claimed_at < now() - make_interval(secs => %s)"
        " RETURNING claim_id::text",
        [filer_account_id, key, claim_id, request_sha256, stale_after_seconds],
    ).fetchone()
    return row is not None and row[0] == claim_id


def renew_claims(conn: Connection[Any], claim_ids: list[str]) -> None:
    conn.execute(
        "UPDATE filing_claims SET claimed_at = now() WHERE claim_id = ANY(%s::uuid[])",
        [claim_ids],
    )


def claim_fingerprint(conn: Connection[Any], filer_account_id: str, key: str) -> str | None:
    row = conn.execute(
        "SELECT request_sha256 FROM filing_claims"
        " WHERE filer_account_id = %s AND idempotency_key = %s",
        [filer_account_id, key],
    ).fetchone()
    return row[0] if row else None


def release_claim(conn: Connection[Any], claim_id: str) -> None:
    conn.execute("DELETE FROM filing_claims WHERE claim_id = %s", [claim_id])
