"""Documents become durable only with their filing: attempts, and the sweep of orphans.

A submit stores its PDFs in access before its own transaction commits, so a commit that fails
(or a process killed in between) leaves documents that belong to no filing. Each submit
therefore records its attempt before storing anything (``begin``); the filing's transaction
deletes the attempt (``complete``), and fails if the attempt was abandoned meanwhile. The sweep
abandons attempts older than the grace period — from then on they can never commit — and asks
access to discard their documents. So a filing still in flight loses nothing: either it
commits first (its attempt is gone, the sweep never sees it), or the sweep abandons it first
(its commit fails, the client retries with the same Idempotency-Key and stores anew).
Times are the database's, so replicas with skewed clocks agree.
"""

from __future__ import annotations

import logging
from typing import Any

from psycopg import Connection, Cursor
from psycopg_pool import ConnectionPool

from services.common.errors import CourtError
from services.common.grpc_server import Worker
from services.common.workers import every
from services.filing import metrics
from services.filing.vault import Vault

log = logging.getLogger(__name__)

_BATCH = 100


def begin(conn: Connection[Any], filing_id: str) -> None:
    conn.execute("INSERT INTO filing_attempts (filing_id) VALUES (%s)", [filing_id])


def complete(conn: Connection[Any], filing_id: str) -> None:
    """In the filing's transaction: the attempt ends with its filing, unless it was abandoned."""
    check_completed(complete_cursor(conn, filing_id))


def complete_cursor(conn: Connection[Any], filing_id: str) -> Cursor[Any]:
    """``complete`` in two halves, for a pipeline: the statement now, ``check_completed`` on
    its cursor once the pipeline has run (still before the commit)."""
    return conn.execute(
        "DELETE FROM filing_attempts WHERE filing_id = %s AND abandoned_at IS NULL", [filing_id]
    )


def check_completed(cursor: Cursor[Any]) -> None:
    if cursor.rowcount != 1:
        raise CourtError(
            "unavailable",
            "this filing took too long to record and was not filed; submit it again",
            retry_after_seconds=1,
        )


def abandon(conn: Connection[Any], filing_id: str) -> bool:
    """Mark one attempt abandoned (its submit failed); whether it is abandoned now. False when
    it committed after all (its row is gone): its documents are the filing's."""
    return bool(
        conn.execute(
            "UPDATE filing_attempts SET abandoned_at = coalesce(abandoned_at, now())"
            " WHERE filing_id = %s",
            [filing_id],
        ).rowcount
    )


def give_up(pool: ConnectionPool, vault: Vault, filing_id: str) -> None:
    """A submit failed after storing documents: reclaim them now if we can; the sweep does
    whatever this cannot (the database or access may be what failed)."""
    try:
        with pool.connection(timeout=5) as conn:
            gone = abandon(conn, filing_id)
        if gone:
            metrics.ATTEMPTS_ABANDONED.inc()
            reclaim(pool, vault, filing_id)
    except Exception:
        log.warning("orphan documents left for the sweep", extra={"filing_id": filing_id})


def abandon_stale(conn: Connection[Any], grace_seconds: float) -> int:
    return conn.execute(
        "UPDATE filing_attempts SET abandoned_at = now() WHERE abandoned_at IS NULL"
        " AND started_at < now() - make_interval(secs => %s)",
        [grace_seconds],
    ).rowcount


def abandoned(conn: Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT filing_id::text FROM filing_attempts WHERE abandoned_at IS NOT NULL"
        " ORDER BY abandoned_at LIMIT %s",
        [_BATCH],
    ).fetchall()
    return [str(row[0]) for row in rows]


def forget(conn: Connection[Any], filing_id: str) -> None:
    conn.execute("DELETE FROM filing_attempts WHERE filing_id = %s", [filing_id])


def reclaim(pool: ConnectionPool, vault: Vault, filing_id: str) -> int:
    """Discard an abandoned attempt's documents in access, then forget the attempt (in that
    order: a crash in between leaves it for the next sweep; discarding twice is harmless)."""
    discarded = vault.discard(filing_id)
    with pool.connection() as conn:
        forget(conn, filing_id)
    metrics.ORPHAN_DOCUMENTS_RECLAIMED.inc(discarded)
    if discarded:
        log.info("orphan documents reclaimed", extra={"filing_id": filing_id, "count": discarded})
    return discarded


def sweep(pool: ConnectionPool, vault: Vault, *, grace_seconds: float) -> int:
    """One round: abandon stale attempts, reclaim every abandoned one; the documents removed.

    Every replica sweeps; two at once abandon each attempt once (the UPDATE) and may both ask
    access to discard the same documents, which removes them once.
    """
    with pool.connection() as conn:
        metrics.ATTEMPTS_ABANDONED.inc(abandon_stale(conn, grace_seconds))
        pending = abandoned(conn)
    return sum(reclaim(pool, vault, filing_id) for filing_id in pending)


def sweep_worker(
    pool: ConnectionPool, vault: Vault, *, grace_seconds: float, every_seconds: float
) -> Worker:
    def round_() -> None:
        sweep(pool, vault, grace_seconds=grace_seconds)

    return every(every_seconds, round_, name="orphan document sweep")
