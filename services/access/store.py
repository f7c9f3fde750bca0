"""SQL for the access schema: the vault, the case view, the fee ledger and free looks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row

from services.access.policy import DocumentFacts

# -- the vault ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ContentInfo:
    sha256: str
    size_bytes: int
    chunk_count: int
    chunk_bytes: int
    location: str = "postgres"  # or "s3": the bytes are in the object store


def insert_chunks(
    conn: Connection[Any], *, sha256: str, content: bytes | memoryview, chunk_bytes: int
) -> None:
    view = memoryview(content)
    chunk_count = max(1, -(-len(view) // chunk_bytes))
    with conn.cursor() as cursor:
        # executemany pipelines the rows (one round trip); the chunks are views of the content,
        # sent as they are rather than copied first.
        cursor.executemany(
            "INSERT INTO content_chunks (sha256, seq, data) VALUES (%s, %s, %b)",
            [
                (sha256, seq, view[seq * chunk_bytes : (seq + 1) * chunk_bytes])
                for seq in range(chunk_count)
            ],
        )


def moved_to_object_store(conn: Connection[Any], sha256: str) -> None:
    """The content's object is in place and verified: drop its chunks here."""
    conn.execute("UPDATE contents SET location = 's3' WHERE sha256 = %s", [sha256])
    conn.execute("DELETE FROM content_chunks WHERE sha256 = %s", [sha256])


def contents_in_postgres(conn: Connection[Any], *, after: str, limit: int) -> list[str]:
    rows = conn.execute(
        "SELECT sha256 FROM contents WHERE location = 'postgres' AND sha256 > %s"
        " ORDER BY sha256 LIMIT %s",
        [after, limit],
    ).fetchall()
    return [str(row[0]) for row in rows]


def insert_document(
    conn: Connection[Any],
    *,
    sha256: str,
    filename: str,
    pages: int,
    size_bytes: int,
    case_number: str,
    filing_id: str,
    chunk_bytes: int,
    location: str,
) -> tuple[str, bool]:
    """Record a document and, if it is new, its content under its hash, in one statement;
    returns (document id, whether the content is new: its bytes are then the caller's to write,
    in the same transaction).

    Two stores of the same new content at once: the second waits on the first's row and then
    finds it, so the bytes are written exactly once (by whoever inserted the row). The
    document's reference to the content is checked at the end of the statement, when the
    content's row is there.
    """
    document_id = str(uuid.uuid4())
    chunk_count = max(1, -(-size_bytes // chunk_bytes))
    row = conn.execute(
        "WITH content AS ("
        " INSERT INTO contents (sha256, size_bytes, chunk_count, chunk_bytes, location)"
        " VALUES (%(sha256)s, %(size)s, %(chunks)s, %(chunk_bytes)s, %(location)s)"
        " ON CONFLICT (sha256) DO NOTHING RETURNING 1)"
        " INSERT INTO documents (document_id, sha256, filename, pages, size_bytes, case_number,"
        " filing_id) VALUES (%(document_id)s, %(sha256)s, %(filename)s, %(pages)s, %(size)s,"
        " %(case_number)s, %(filing_id)s)"
        " RETURNING EXISTS (SELECT 1 FROM content)",
        {
            "sha256": sha256,
            "size": size_bytes,
            "chunks": chunk_count,
            "chunk_bytes": chunk_bytes,
            "location": location,
            "document_id": document_id,
            "filename": filename,
            "pages": pages,
            "case_number": case_number,
            "filing_id": filing_id,
        },
    ).fetchone()
    assert row is not None  # an INSERT ... VALUES returns its one row
    return document_id, bool(row[0])


def discard_documents(conn: Connection[Any], filing_id: str) -> int:
    """Remove a filing attempt's documents that are on no docket entry, and the content only
    they used (kept in PostgreSQL; an object-store copy stays). Returns the documents removed.

    The contents are locked first: a concurrent store of the same bytes either finds its
    content gone (its foreign key fails and it stores again) or keeps it referenced.
    """
    rows = conn.execute(
        "DELETE FROM documents d WHERE d.filing_id = %s"
        " AND NOT EXISTS (SELECT 1 FROM document_cases dc WHERE dc.document_id = d.document_id)"
        " RETURNING d.sha256",
        [filing_id],
    ).fetchall()
    hashes = sorted({str(row[0]) for row in rows})
    if hashes:
        conn.execute(
            "SELECT 1 FROM contents WHERE sha256 = ANY(%s) ORDER BY sha256 FOR UPDATE", [hashes]
        )
        unused = conn.execute(
            "SELECT c.sha256 FROM contents c WHERE c.sha256 = ANY(%s) AND c.location = 'postgres'"
            " AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.sha256 = c.sha256)",
            [hashes],
        ).fetchall()
        unused_hashes = [str(row[0]) for row in unused]
        conn.execute("DELETE FROM content_chunks WHERE sha256 = ANY(%s)", [unused_hashes])
        conn.execute("DELETE FROM contents WHERE sha256 = ANY(%s)", [unused_hashes])
    return len(rows)


def content_info(conn: Connection[Any], sha256: str, *, lock: bool = False) -> ContentInfo | None:
    """A content's facts; with ``lock``, its row held until the transaction ends."""
    cursor = conn.cursor(row_factory=class_row(ContentInfo))
    return cursor.execute(
        "SELECT sha256, size_bytes, chunk_count, chunk_bytes, location FROM contents"
        " WHERE sha256 = %s" + (" FOR UPDATE" if lock else ""),
        [sha256],
    ).fetchone()


def read_chunk(conn: Connection[Any], sha256: str, seq: int) -> bytes | None:
    row = conn.execute(
        "SELECT data FROM content_chunks WHERE sha256 = %s AND seq = %s", [sha256, seq]
    ).fetchone()
    return bytes(row[0]) if row else None


# -- what the policy sees ----------------------------------------------------------------


def document_facts(
    conn: Connection[Any], document_ids: Sequence[str], *, account_id: str | None
) -> dict[str, DocumentFacts]:
    """The named documents (valid UUIDs, stored in the vault) as the case view sees them."""
    if not document_ids:
        return {}
    rows = conn.execute(
        "SELECT d.document_id::text, d.filename, d.pages, d.size_bytes, d.sha256, d.case_number,"
        " dc.case_number, dc.entry_number, coalesce(dc.sealed, false),"
        " coalesce(c.case_type, 'unspecified'),"
        " (%s::text IS NOT NULL AND EXISTS (SELECT 1 FROM counsel k"
        "   WHERE k.case_number = dc.case_number AND k.account_id = %s::text))"
        " FROM documents d"
        " LEFT JOIN document_cases dc ON dc.document_id = d.document_id"
        " LEFT JOIN cases c ON c.case_number = dc.case_number"
        " WHERE d.document_id = ANY(%s::uuid[])",
        [account_id, account_id, list(document_ids)],
    ).fetchall()
    return {row[0]: DocumentFacts(*row) for row in rows}


# -- the case view -----------------------------------------------------------------------


def upsert_case(conn: Connection[Any], *, case_number: str, case_type: str) -> None:
    """Create the case; learn its type, never forgetting a known type for "unspecified"."""
    conn.execute(
        "INSERT INTO cases (case_number, case_type) VALUES (%s, %s)"
        " ON CONFLICT (case_number) DO UPDATE SET case_type = excluded.case_type,"
        " updated_at = now()"
        " WHERE excluded.case_type <> 'unspecified' AND cases.case_type <> excluded.case_type",
        [case_number, case_type],
    )


def add_counsel(conn: Connection[Any], *, case_number: str, account_id: str) -> None:
    conn.execute(
        "INSERT INTO counsel (case_number, account_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        [case_number, account_id],
    )


def record_document(
    conn: Connection[Any], *, document_id: str, case_number: str, entry_number: int, sealed: bool
) -> None:
    """Place a document on its docket entry. Sealing is sticky: a replay never unseals."""
    conn.execute(
        "INSERT INTO document_cases (document_id, case_number, entry_number, sealed)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (document_id) DO UPDATE"
        " SET sealed = document_cases.sealed OR excluded.sealed, updated_at = now()"
        " WHERE excluded.sealed AND NOT document_cases.sealed",
        [document_id, case_number, entry_number, sealed],
    )


def seal_entry(conn: Connection[Any], *, case_number: str, entry_number: int) -> int:
    return conn.execute(
        "UPDATE document_cases SET sealed = true, updated_at = now()"
        " WHERE case_number = %s AND entry_number = %s AND NOT sealed",
        [case_number, entry_number],
    ).rowcount


# -- the fee ledger ----------------------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    charge_id: str
    document_id: str
    case_number: str
    pages: int
    fee_cents: int
    charged_at: datetime


def insert_charge(
    conn: Connection[Any],
    *,
    account_id: str,
    document_id: str,
    case_number: str,
    pages: int,
    fee_cents: int,
    quarter: str,
    charged_at: datetime,
) -> str:
    charge_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO fee_ledger (charge_id, account_id, document_id, case_number, pages,"
        " fee_cents, quarter, charged_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [charge_id, account_id, document_id, case_number, pages, fee_cents, quarter, charged_at],
    )
    return charge_id


def quarter_charges(
    conn: Connection[Any], *, account_id: str, quarter: str, limit: int
) -> tuple[list[Charge], int]:
    """The newest ``limit`` charges of the quarter, and the quarter's whole total in cents."""
    cursor = conn.cursor(row_factory=class_row(Charge))
    charges = cursor.execute(
        "SELECT charge_id::text, document_id::text, case_number, pages, fee_cents, charged_at"
        " FROM fee_ledger WHERE account_id = %s AND quarter = %s"
        " ORDER BY charged_at DESC, charge_id LIMIT %s",
        [account_id, quarter, limit],
    ).fetchall()
    total = conn.execute(
        "SELECT coalesce(sum(fee_cents), 0) FROM fee_ledger WHERE account_id = %s AND quarter = %s",
        [account_id, quarter],
    ).fetchone()
    return charges, int(total[0]) if total else 0


# -- free looks --------------------------------------------------------------------------


@dataclass(frozen=True)
class FreeLookRow:
    free_look_id: str
    document_id: str
    recipient_email: str
    case_number: str
    entry_number: int
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None


@dataclass(frozen=True)
class NewFreeLook:
    token_sha256: bytes
    document_id: str
    recipient_email: str
    case_number: str
    entry_number: int
    issued_at: datetime
    expires_at: datetime


def insert_free_looks(conn: Connection[Any], looks: Sequence[NewFreeLook]) -> list[str]:
    """Store the links (their ids, in order); psycopg pipelines the executemany, so a batch
    costs one round trip, not one per link."""
    ids = [str(uuid.uuid4()) for _ in looks]
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO free_looks (free_look_id, token_sha256, document_id, recipient_email,"
            " case_number, entry_number, issued_at, expires_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                [
                    free_look_id,
                    look.token_sha256,
                    look.document_id,
                    look.recipient_email,
                    look.case_number,
                    look.entry_number,
                    look.issued_at,
                    look.expires_at,
                ]
                for free_look_id, look in zip(ids, looks, strict=True)
            ],
        )
    return ids


def free_look_by_token_hash(conn: Connection[Any], token_sha256: bytes) -> FreeLookRow | None:
    cursor = conn.cursor(row_factory=class_row(FreeLookRow))
    return cursor.execute(
        "SELECT free_look_id::text, document_id::text, recipient_email, case_number,"
        " entry_number, issued_at, expires_at, redeemed_at FROM free_looks"
        " WHERE token_sha256 = %s",
        [token_sha256],
    ).fetchone()


def redeem_free_look(conn: Connection[Any], look: FreeLookRow, *, now: datetime) -> bool:
    """Use the link up, and with it every link the same address holds for the document
    (the first view is the free one). False when another request used it first."""
    claimed = conn.execute(
        "UPDATE free_looks SET redeemed_at = %s WHERE free_look_id = %s AND redeemed_at IS NULL",
        [now, look.free_look_id],
    ).rowcount
    if not claimed:
        return False
    conn.execute(
        "UPDATE free_looks SET redeemed_at = %s WHERE document_id = %s"
        " AND lower(recipient_email) = lower(%s) AND redeemed_at IS NULL",
        [now, look.document_id, look.recipient_email],
    )
    return True


# -- the audit ---------------------------------------------------------------------------

AuditRow = tuple[
    datetime, str, str | None, str | None, str | None, str, str, str, int, str
]  # occurred_at, action, account_id, free_look_id, caller_service, document_id, outcome,
#   reason, fee_cents, trace_id


def insert_audit(conn: Connection[Any], rows: Iterable[AuditRow]) -> None:
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO access_audit (occurred_at, action, account_id, free_look_id,"
            " caller_service, document_id, outcome, reason, fee_cents, trace_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            list(rows),
        )
