"""The clerk's review queue: filings that wait for a person before they are docketed."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg_pool import ConnectionPool

from services.common.clock import Clock, system_clock
from services.common.court import MAX_REVIEW_REASON
from services.common.errors import CourtError
from services.common.outbox import publish
from services.common.principal import Principal
from services.common.text import clean
from services.filing import metrics, store
from services.filing.intake import submitted_event
from services.filing.models import FILING_TYPES, Filing

log = logging.getLogger(__name__)


class Review:
    def __init__(self, pool: ConnectionPool, *, tz: ZoneInfo, clock: Clock = system_clock) -> None:
        self._pool = pool
        self._tz = tz
        self._clock = clock

    def queue(self, limit: int) -> list[Filing]:
        with self._pool.connection() as conn:
            return store.review_queue(conn, limit)

    def accept(self, clerk: Principal, filing_id: str) -> Filing:
        now = self._clock.now()
        with self._pool.connection() as conn, conn.transaction():
            filing = _pending(conn, filing_id)
            store.set_reviewed(
                conn, filing.filing_id, status="received", reviewer=clerk.account_id, when=now
            )
            event = events_pb2.FilingAccepted(
                filing_id=filing.filing_id,
                filing=submitted_event(filing, self._tz),
                accepted_by_account_id=clerk.account_id,
            )
            event.accepted_at.FromDatetime(now)
            publish(
                conn,
                event_type="filing.accepted",
                source="filing",
                subject=filing.case_number or filing.filing_id,
                payload=event,
            )
            accepted = store.filing_by_id(conn, filing.filing_id)
        assert accepted is not None
        metrics.REVIEWS.labels("accepted").inc()
        log.info("filing accepted", extra={"filing_id": filing_id, "by": clerk.account_id})
        return accepted

    def reject(self, clerk: Principal, filing_id: str, reason: str) -> Filing:
        reason = clean(
            reason, field="reason", max_length=MAX_REVIEW_REASON, required=True, multiline=True
        )
        now = self._clock.now()
        with self._pool.connection() as conn, conn.transaction():
            filing = _pending(conn, filing_id)
            store.set_reviewed(
                conn,
                filing.filing_id,
                status="rejected",
                reviewer=clerk.account_id,
                when=now,
                reason=reason,
            )
            event = events_pb2.FilingRejected(
                filing_id=filing.filing_id,
                case_number=filing.case_number,
                filer_account_id=filing.filer_account_id,
                reason=reason,
                rejected_by_account_id=clerk.account_id,
                filing_type=FILING_TYPES[filing.filing_type],
            )
            event.rejected_at.FromDatetime(now)
            publish(
                conn,
                event_type="filing.rejected",
                source="filing",
                subject=filing.case_number or filing.filing_id,
                payload=event,
            )
            rejected = store.filing_by_id(conn, filing.filing_id)
        assert rejected is not None
        metrics.REVIEWS.labels("rejected").inc()
        return rejected


def _pending(conn, filing_id: str) -> Filing:  # type: ignore[no-untyped-def]
    filing = store.filing_by_id(conn, filing_id, lock=True)
    if filing is None:
        raise CourtError("not_found", "no such filing")
    if filing.status != "pending_review":
        raise CourtError(
            "validation_failed",
            f"this filing is {filing.status.replace('_', ' ')}, not waiting for review",
            details={"filing_status": filing.status},  # not `status`: the problem's own
        )
    return filing
