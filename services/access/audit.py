"""The access audit: every decision — who, which document, allowed (on what ground) or why not.

Rows live in ``access_audit``; each is also counted in ``openecf_access_decisions_total``.
A served document's row commits with its ledger charge and its event; a refusal's row is
written on its own, before the refusal is answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.access import metrics, store
from services.common.identity import current_caller
from services.common.logs import current_trace_id

CHECK = "check"
SERVE = "serve"
FREE_LOOK = "free_look"

ALLOWED = "allowed"
DENIED = "denied"
FAILED = "failed"  # allowed, but the document could not be served (integrity)


@dataclass(frozen=True)
class AuditEntry:
    action: str
    document_id: str
    outcome: str
    reason: str
    account_id: str | None = None
    free_look_id: str | None = None
    fee_cents: int = 0


def insert(conn: Connection[Any], entries: Sequence[AuditEntry], *, now: datetime) -> None:
    """Write the entries in the caller's transaction; call ``count`` once it commits."""
    if not entries:
        return
    service = current_caller().service
    trace = current_trace_id()
    store.insert_audit(
        conn,
        (
            (
                now,
                e.action,
                e.account_id,
                e.free_look_id,
                service,
                e.document_id[:64],
                e.outcome,
                e.reason,
                e.fee_cents,
                trace,
            )
            for e in entries
        ),
    )


def count(entries: Sequence[AuditEntry]) -> None:
    for entry in entries:
        metrics.DECISIONS.labels(entry.outcome, entry.reason).inc()


def record(pool: ConnectionPool, entries: Sequence[AuditEntry], *, now: datetime) -> None:
    """Write and count entries on their own (refusals, checks, failures)."""
    with pool.connection() as conn, conn.transaction():
        insert(conn, entries, now=now)
    count(entries)
