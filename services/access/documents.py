"""Deciding and serving documents: CheckAccess (a batch, never charged) and GetDocument.

Serving a document is: decide from the case view → verify the content against its SHA-256 →
in one transaction, the ledger charge, the ``access.document_served`` event and the audit row →
stream. Refusals and integrity failures are audited too, before they are answered.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg_pool import ConnectionPool

from services.access import audit, metrics, store
from services.access.fees import quarter_of
from services.access.policy import Decision, DocumentFacts, decide
from services.access.vault import ContentCorrupted, Vault
from services.common.clock import Clock, system_clock
from services.common.errors import CourtError
from services.common.outbox import publish
from services.common.principal import Principal

log = logging.getLogger(__name__)

MAX_BATCH = 1000  # a long docket sheet, every document of every entry
CONTENT_TYPE = "application/pdf"

MESSAGES = {
    "unauthenticated": "log in with your PACER account to open documents",
    "not_found": "no such document",
    "sealed": "this document is sealed: only court staff may open it",
    "restricted_case": (
        "documents in immigration and Social Security cases are online only for counsel of"
        " record and court staff (Fed. R. Civ. P. 5.2(c)); the docket itself is public"
    ),
    "unavailable": "this document is still being recorded on the docket; try again in a minute",
    "free_look_used": "this free look has been used; open the document from the docket instead",
    "free_look_expired": (
        "this free look has expired (links work for 15 days); open the document from the docket"
    ),
}


def refusal(decision: Decision) -> CourtError:
    retry = 5 if decision.reason == "unavailable" else None
    return CourtError(
        decision.reason,
        MESSAGES.get(decision.reason, decision.reason),
        retry_after_seconds=retry,
    )


def integrity_error() -> CourtError:
    return CourtError(
        "internal", "this document cannot be served right now; the court has been alerted"
    )


def canonical_id(document_id: str) -> str | None:
    """The document id in canonical UUID form, or None when it cannot be one."""
    try:
        return str(uuid.UUID(document_id.strip()[:64]))
    except ValueError:
        return None


def facts_for(
    pool: ConnectionPool, document_ids: Sequence[str], *, account_id: str | None
) -> dict[str, DocumentFacts]:
    """Facts keyed by canonical id, for the ids that are well formed and stored."""
    ids = sorted({c for c in map(canonical_id, document_ids) if c})
    if not ids:
        return {}
    with pool.connection() as conn:
        return store.document_facts(conn, ids, account_id=account_id)


@dataclass(frozen=True)
class ServedDocument:
    facts: DocumentFacts
    fee_cents: int
    chunks: Iterator[bytes]


def watched(
    chunks: Iterable[bytes], *, via: str, on_corrupted: Callable[[ContentCorrupted], None]
) -> Iterator[bytes]:
    """Count the bytes as they go out; a late integrity failure is reported, then refused."""
    try:
        for chunk in chunks:
            metrics.BYTES_SERVED.labels(via).inc(len(chunk))
            yield chunk
    except ContentCorrupted as exc:
        on_corrupted(exc)
        raise integrity_error() from None


def report_corruption(
    pool: ConnectionPool,
    entry: audit.AuditEntry,
    facts: DocumentFacts,
    exc: Exception,
    now: datetime,
) -> None:
    metrics.INTEGRITY_FAILURES.inc()
    log.error(
        "stored document failed its integrity check; not served",
        extra={"document_id": facts.document_id, "sha256": facts.sha256, "error": str(exc)},
    )
    audit.record(pool, [entry], now=now)


class Documents:
    def __init__(
        self,
        pool: ConnectionPool,
        vault: Vault,
        *,
        clock: Clock = system_clock,
        tz: ZoneInfo,
    ) -> None:
        self._pool = pool
        self._vault = vault
        self._clock = clock
        self._tz = tz

    def check(self, principal: Principal | None, document_ids: Sequence[str]) -> list[Decision]:
        """One decision per requested id, in order; audited, never charged."""
        if len(document_ids) > MAX_BATCH:
            raise CourtError(
                "validation_failed",
                f"document_ids: at most {MAX_BATCH} documents per check",
                details={"field": "document_ids"},
            )
        account_id = principal.account_id if principal else None
        facts = facts_for(self._pool, document_ids, account_id=account_id) if principal else {}
        decisions = [decide(principal, facts.get(canonical_id(d) or "")) for d in document_ids]
        audit.record(
            self._pool,
            [
                audit.AuditEntry(
                    action=audit.CHECK,
                    document_id=document_id,
                    outcome=audit.ALLOWED if decision.allowed else audit.DENIED,
                    reason=decision.reason,
                    account_id=account_id,
                    fee_cents=decision.fee_cents,
                )
                for document_id, decision in zip(document_ids, decisions, strict=True)
            ],
            now=self._clock.now(),
        )
        return decisions

    def serve(self, principal: Principal | None, document_id: str) -> ServedDocument:
        """Decide, verify, charge and return the document's chunks to stream."""
        account_id = principal.account_id if principal else None
        key = canonical_id(document_id)
        facts = (
            facts_for(self._pool, [document_id], account_id=account_id).get(key or "")
            if principal
            else None
        )
        decision = decide(principal, facts)

        def entry(outcome: str, reason: str, fee: int = 0) -> audit.AuditEntry:
            return audit.AuditEntry(
                action=audit.SERVE,
                document_id=key or document_id,
                outcome=outcome,
                reason=reason,
                account_id=account_id,
                fee_cents=fee,
            )

        if not decision.allowed or facts is None or principal is None:
            audit.record(self._pool, [entry(audit.DENIED, decision.reason)], now=self._clock.now())
            raise refusal(decision)
        try:
            chunks = self._vault.verified_chunks(facts.sha256)
        except ContentCorrupted as exc:
            report_corruption(
                self._pool, entry(audit.FAILED, "integrity"), facts, exc, self._clock.now()
            )
            raise integrity_error() from None

        now = self._clock.now()
        served = entry(audit.ALLOWED, decision.reason, decision.fee_cents)
        with self._pool.connection() as conn, conn.transaction():
            store.insert_charge(
                conn,
                account_id=principal.account_id,
                document_id=facts.document_id,
                case_number=facts.known_case_number,
                pages=facts.pages,
                fee_cents=decision.fee_cents,
                quarter=quarter_of(now, self._tz),
                charged_at=now,
            )
            event = events_pb2.DocumentServed(
                document_id=facts.document_id,
                case_number=facts.known_case_number,
                account_id=principal.account_id,
                pages=facts.pages,
                fee_cents=decision.fee_cents,
                free_look=False,
            )
            event.served_at.FromDatetime(now)
            publish(
                conn,
                event_type="access.document_served",
                source="access",
                subject=facts.known_case_number,
                payload=event,
            )
            audit.insert(conn, [served], now=now)
        audit.count([served])
        metrics.FEES_CHARGED_CENTS.inc(decision.fee_cents)
        return ServedDocument(
            facts=facts,
            fee_cents=decision.fee_cents,
            chunks=watched(
                chunks,
                via="document",
                on_corrupted=lambda exc: report_corruption(
                    self._pool, entry(audit.FAILED, "integrity"), facts, exc, self._clock.now()
                ),
            ),
        )
