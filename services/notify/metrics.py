"""Notify's own metrics (the shared catalogue is services.common.metrics)."""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram
from psycopg_pool import ConnectionPool

from services.common.grpc_server import Worker
from services.common.workers import every
from services.notify.store import outgoing as outgoing_store

log = logging.getLogger(__name__)

NOTICES = Counter(
    "openecf_notices_total",
    "E-mails notify sent or gave up on, by kind (nda, or the account e-mail's kind) and "
    "outcome (sent, retry, failed).",
    ["kind", "outcome"],
)
NDA_LATENCY = Histogram(
    "openecf_nda_delivery_latency_seconds",
    "Time from a docket entry being entered (EntryRecorded.entered_at) to the SMTP relay "
    "accepting its NDA, per recipient address.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 6 * 3600, 24 * 3600),
)
RETRY_QUEUE = Gauge(
    "openecf_notify_retry_queue",
    "E-mails waiting for another attempt after a failed one, by queue (nda, account).",
    ["queue"],
)
AWAITING_LINKS = Gauge(
    "openecf_nda_awaiting_links",
    "NDAs recorded but not yet composed (waiting for their free-look links).",
)
OLDEST_UNSENT = Gauge(
    "openecf_nda_oldest_unsent_age_seconds",
    "Age of the oldest NDA that is neither sent nor failed.",
)
FREE_LOOKS = Counter(
    "openecf_nda_free_look_requests_total",
    "Free-look links asked of access (IssueFreeLooks items), by outcome (issued, refused, retry).",
    ["outcome"],
)


def refresh_gauges(pool: ConnectionPool) -> None:
    with pool.connection() as conn:
        state = outgoing_store.queue_state(conn)
    RETRY_QUEUE.labels("nda").set(state.retrying_ndas)
    RETRY_QUEUE.labels("account").set(state.retrying_mail)
    AWAITING_LINKS.set(state.awaiting_links)
    OLDEST_UNSENT.set(state.oldest_unsent_nda_seconds)


def gauge_worker(pool: ConnectionPool, every_seconds: float = 5.0) -> Worker:
    """A worker (for ServiceRuntime.workers) that keeps these gauges current."""
    return every(every_seconds, lambda: refresh_gauges(pool), name="notify gauges")
