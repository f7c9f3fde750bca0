"""The transactional outbox: write an event with the change, publish it afterwards.

``enqueue`` runs inside the caller's transaction. ``OutboxRelay`` publishes unsent
rows in id order with the idempotent producer and marks them sent; a row is marked
only after Kafka acknowledged it (acks=all), so a broker outage delays events and
never loses one. An advisory lock keeps one relay per schema publishing at a time,
which preserves order when a service runs several replicas.

The relay sleeps until a commit adds events (a trigger NOTIFYs ``<schema>_outbox``, the relay's
``CommitSignal`` LISTENs), looking anyway every ``poll_seconds``; without a signal it polls.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from typing import Any

from court.v1 import events_pb2
from google.protobuf.message import Message
from kafka import KafkaProducer
from kafka.errors import KafkaError
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common import metrics
from services.common.commit_signal import Poll, Waiter
from services.common.events import new_event, topic_for

log = logging.getLogger(__name__)

SENT_RETENTION = "7 days"
_TRACE_HEADER = "trace_id"
# The first wait after a failed publish, doubling up to 5 s while the broker is away.
_RETRY_SECONDS = 0.1
# Woken by commits at most this often: a burst is published in batches (each round flushes
# the producer once), while a lone event goes out at once.
OUTBOX_PACE_SECONDS = 0.1


def enqueue(
    conn: Connection[Any], envelope: events_pb2.EventEnvelope, *, topic: str | None = None
) -> None:
    """Add ``envelope`` to the outbox in the caller's open transaction.

    The topic follows from the event type unless given (tests use topics of their own).
    """
    conn.execute(
        "INSERT INTO outbox (event_id, event_type, topic, key, payload, trace_id)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        [
            envelope.event_id,
            envelope.type,
            topic or topic_for(envelope.type),
            envelope.subject,
            envelope.SerializeToString(),
            envelope.trace_id,
        ],
    )


def publish(
    conn: Connection[Any], *, event_type: str, source: str, subject: str, payload: Message
) -> events_pb2.EventEnvelope:
    """Build an event and add it to the outbox, in the caller's transaction."""
    envelope = new_event(event_type=event_type, source=source, subject=subject, payload=payload)
    enqueue(conn, envelope)
    return envelope


class OutboxRelay:
    def __init__(
        self,
        *,
        pool: ConnectionPool,
        producer: KafkaProducer,
        schema: str,
        batch_size: int = 100,
        poll_seconds: float = 0.1,
        send_timeout_seconds: float = 15.0,
        signal: Waiter | None = None,
    ) -> None:
        self._pool = pool
        self._signal = signal or Poll()
        self._producer = producer
        self._lock_key = zlib.crc32(f"outbox:{schema}".encode())
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._send_timeout = send_timeout_seconds
        self._last_housekeeping = 0.0

    def run(self, stop: threading.Event) -> None:
        backoff = 0.0
        try:
            while not stop.is_set():
                backoff = self._round(stop, backoff)
        finally:
            self._signal.close()

    def _round(self, stop: threading.Event, backoff: float) -> float:
        """One batch, then the wait before the next; returns the backoff (0 when healthy)."""
        try:
            published = self.publish_batch()
            backoff = 0.0
        except (KafkaError, OSError) as exc:
            # Broker away: the rows stay unsent and are retried; nothing is lost.
            metrics.OUTBOX_PUBLISH_FAILURES.inc()
            log.warning("outbox publish failed, will retry", extra={"error": repr(exc)})
            published, backoff = 0, min(max(backoff * 2, _RETRY_SECONDS), 5.0)
        except Exception:
            metrics.OUTBOX_PUBLISH_FAILURES.inc()
            log.exception("outbox relay error, will retry")
            published, backoff = 0, min(max(backoff * 2, _RETRY_SECONDS), 5.0)
        self._housekeeping()
        if published >= self._batch_size:
            return backoff  # more are waiting
        if backoff:
            stop.wait(backoff)  # commits would not help while publishing fails
        else:
            self._signal.wait(stop, self._poll_seconds)
        return backoff

    def publish_batch(self) -> int:
        """Publish up to one batch of unsent rows; return how many were marked sent."""
        with self._pool.connection() as conn, conn.transaction():
            locked = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", [self._lock_key])
            row = locked.fetchone()
            if not row or not row[0]:
                return 0
            rows = conn.execute(
                "SELECT id, topic, key, payload, trace_id FROM outbox"
                " WHERE sent_at IS NULL ORDER BY id LIMIT %s",
                [self._batch_size],
            ).fetchall()
            if not rows:
                return 0
            futures = [
                (
                    row_id,
                    topic,
                    self._producer.send(
                        topic,
                        key=key.encode(),
                        value=bytes(payload),
                        headers=[(_TRACE_HEADER, trace_id.encode())],
                    ),
                )
                for row_id, topic, key, payload, trace_id in rows
            ]
            self._producer.flush(timeout=self._send_timeout)
            sent: list[int] = []
            failed: list[int] = []
            reason = None  # the broker's first, for the log
            for row_id, topic, future in futures:
                if future.succeeded():
                    sent.append(row_id)
                    metrics.OUTBOX_PUBLISHED.labels(topic).inc()
                else:
                    failed.append(row_id)
                    reason = reason or future.exception
            if sent:
                conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY(%s)", [sent])
            if failed:
                conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = %s WHERE id = ANY(%s)",
                    ["kafka did not acknowledge", failed],
                )
                metrics.OUTBOX_PUBLISH_FAILURES.inc()
                # Retried at the next round; said once a batch.
                log.warning(
                    "outbox rows not acknowledged, will retry",
                    extra={"rows": len(failed), "error": repr(reason)},
                )
            return len(sent)

    def _housekeeping(self) -> None:
        # Every few seconds: backlog gauges, and drop sent rows past their retention.
        now = time.monotonic()
        if now - self._last_housekeeping < 5:
            return
        self._last_housekeeping = now
        try:
            with self._pool.connection() as conn:
                backlog, oldest = conn.execute(
                    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)"
                    " FROM outbox WHERE sent_at IS NULL"
                ).fetchone() or (0, 0)
                metrics.OUTBOX_BACKLOG.set(backlog)
                metrics.OUTBOX_OLDEST_AGE.set(float(oldest))
                conn.execute(
                    f"DELETE FROM outbox WHERE sent_at < now() - interval '{SENT_RETENTION}'"
                )
        except Exception:
            log.exception("outbox housekeeping failed")
