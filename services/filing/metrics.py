"""The filing service's business metrics."""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram
from psycopg_pool import ConnectionPool

from services.common.grpc_server import Worker
from services.common.workers import every

log = logging.getLogger(__name__)

FILINGS = Counter(
    "openecf_filings_total", "Filings submitted, by type and outcome.", ["filing_type", "outcome"]
)
REFUSALS = Counter("openecf_filing_refusals_total", "Filings refused, by stable code.", ["code"])
OCR_SECONDS = Histogram(
    "openecf_ocr_seconds",
    "Time to give one scanned document of a paper filing its text layer (OCR, in a child).",
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
VALIDATION_SECONDS = Histogram(
    "openecf_pdf_validation_seconds",
    "Time to check one PDF (in the sandbox).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BYTES_RECEIVED = Counter("openecf_filing_bytes_received_total", "PDF bytes received.")
ATTEMPTS_ABANDONED = Counter(
    "openecf_filing_attempts_abandoned_total",
    "Submits that stored documents and never committed (failed, killed, or past the grace"
    " period); their documents are reclaimed.",
)
ORPHAN_DOCUMENTS_RECLAIMED = Counter(
    "openecf_filing_orphan_documents_reclaimed_total",
    "Documents of abandoned submits that the orphan sweep had access discard.",
)
REVIEWS = Counter("openecf_filing_reviews_total", "Clerk review decisions.", ["decision"])

# Filings to be docketed (received without review, or accepted by a clerk) and not docketed yet:
# the docket consumer, Kafka or filing's own view of docket.events is behind or stuck.
UNDOCKETED = Gauge(
    "openecf_filings_undocketed", "Filings accepted for docketing and not docketed yet."
)
OLDEST_UNDOCKETED = Gauge(
    "openecf_filing_oldest_undocketed_age_seconds",
    "Age of the oldest filing accepted for docketing and not docketed yet, from its receipt"
    " (or its acceptance by a clerk); 0 when there is none.",
)


def refresh_gauges(pool: ConnectionPool) -> None:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*),"
            " coalesce(extract(epoch FROM now() - min(coalesce(reviewed_at, received_at))), 0)"
            " FROM filings WHERE status = 'received'"
        ).fetchone()
    count, oldest = row or (0, 0)
    UNDOCKETED.set(count)
    OLDEST_UNDOCKETED.set(max(float(oldest), 0.0))


def gauge_worker(pool: ConnectionPool, every_seconds: float = 5.0) -> Worker:
    """A worker (for ServiceRuntime.workers) that keeps these gauges current."""
    return every(every_seconds, lambda: refresh_gauges(pool), name="filing gauges")
