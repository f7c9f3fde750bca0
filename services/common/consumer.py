"""The idempotent consumer: decode → apply once → commit the offset.

Each event is applied in one PostgreSQL transaction together with a row in
``processed_events``; a redelivered event finds its row and is skipped. The Kafka
offset is committed only after that transaction, so a crash between the two means
a redelivery, never a lost or doubled effect. An undecodable or permanently invalid
message goes to the dead-letter topic at once; any other failure is retried with
backoff a bounded number of times and then dead-lettered, never dropped silently.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from court.v1 import events_pb2
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata, TopicPartition
from psycopg_pool import ConnectionPool

from services.common import metrics
from services.common.consumer_start import (
    Act,
    Handler,
    Handlers,
    group_first_ran,
    occurred_before,
)
from services.common.db import DATABASE_UNAVAILABLE
from services.common.errors import PermanentEventError
from services.common.events import DEAD_LETTER_TOPIC, decode_envelope
from services.common.kafka import POLL_TIMEOUT_MS
from services.common.logs import trace_context

log = logging.getLogger(__name__)

# The database itself being away: wait for it however long it takes, never dead-letter.
_INFRASTRUCTURE_ERRORS = DATABASE_UNAVAILABLE


class _Stopping(Exception):
    """Raised inside a retry wait when shutdown begins: leave the offset uncommitted."""


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        consumer: KafkaConsumer,
        pool: ConnectionPool,
        handlers: Handlers,
        dead_letters: KafkaProducer,
        max_attempts: int = 5,
        backoff_seconds: float = 0.2,
    ) -> None:
        self.name = name
        self._consumer = consumer
        self._pool = pool
        self._handlers = handlers
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._stop = threading.Event()
        self._first_ran: datetime | None = None

    def run(self, stop: threading.Event) -> None:
        self._stop = stop
        try:
            if any(isinstance(h, Act) for h in self._handlers.values()):
                self._first_ran = self._wait_for_first_run(stop)
            while not stop.is_set():
                batch = self._consumer.poll(timeout_ms=POLL_TIMEOUT_MS)
                for partition, records in batch.items():
                    if not self._process_partition(partition, records):
                        return
                self._report_lag()
        finally:
            # Offsets were committed as we went; do not auto-commit a half-done batch.
            self._consumer.close(autocommit=False)

    def _wait_for_first_run(self, stop: threading.Event) -> datetime | None:
        # Recorded before the first poll: every event after this moment is acted on.
        while not stop.is_set():
            try:
                return group_first_ran(self._pool, self.name)
            except _INFRASTRUCTURE_ERRORS as exc:
                log.warning("consumer waits for its database", extra={"error": repr(exc)})
                stop.wait(1.0)
        return None

    def _process_partition(self, partition: TopicPartition, records: list[ConsumerRecord]) -> bool:
        done = None
        try:
            for record in records:
                self._process(record)
                done = record.offset
        except _Stopping:
            return False
        finally:
            if done is not None:
                self._consumer.commit({partition: OffsetAndMetadata(done + 1, "", -1)})
        return True

    def _process(self, record: ConsumerRecord) -> None:
        headers = dict(record.headers or [])
        trace = headers.get("trace_id", b"").decode(errors="replace")
        with trace_context(trace):
            try:
                envelope = decode_envelope(record.value)
            except PermanentEventError as exc:
                self._dead_letter(record, "undecodable", str(exc))
                return
            handler = self._handlers.get(envelope.type)
            if handler is None:
                return  # an event type this consumer does not act on
            self._apply_with_retries(record, envelope, handler)

    def _apply_with_retries(
        self, record: ConsumerRecord, envelope: events_pb2.EventEnvelope, handler: Handler | Act
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                outcome = self._apply_once(envelope, handler)
            except PermanentEventError as exc:
                self._dead_letter(record, envelope.type, str(exc))
                return
            except Exception as exc:
                if isinstance(exc, _INFRASTRUCTURE_ERRORS):
                    attempt = min(attempt, self._max_attempts - 1)
                elif attempt >= self._max_attempts:
                    log.exception("event failed after retries", extra={"event_type": envelope.type})
                    self._dead_letter(record, envelope.type, repr(exc))
                    return
                metrics.EVENTS_CONSUMED.labels(self.name, envelope.type, "retried").inc()
                log.warning(
                    "event failed, retrying",
                    extra={"event_type": envelope.type, "attempt": attempt, "error": repr(exc)},
                )
                if self._stop.wait(min(self._backoff * 2 ** (attempt - 1), 10.0)):
                    raise _Stopping from exc
                continue
            metrics.EVENTS_CONSUMED.labels(self.name, envelope.type, outcome).inc()
            metrics.EVENT_HANDLING_SECONDS.labels(self.name, envelope.type).observe(
                time.perf_counter() - started
            )
            return

    def _apply_once(self, envelope: events_pb2.EventEnvelope, handler: Handler | Act) -> str:
        if isinstance(handler, Act):
            if self._first_ran is not None and occurred_before(envelope, self._first_ran):
                return "before_group"  # the past is not acted on (module consumer_start)
            handler = handler.handler
        with self._pool.connection() as conn, conn.transaction():
            inserted = conn.execute(
                "INSERT INTO processed_events (consumer, event_id) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                [self.name, envelope.event_id],
            ).rowcount
            if not inserted:
                return "duplicate"
            handler(conn, envelope)
        return "applied"

    def _dead_letter(self, record: ConsumerRecord, event_type: str, reason: str) -> None:
        # The dead letter must be durable before the offset moves past the original.
        headers = [
            ("consumer", self.name.encode()),
            ("source_topic", record.topic.encode()),
            ("source_partition", str(record.partition).encode()),
            ("source_offset", str(record.offset).encode()),
            ("error", reason[:1000].encode()),
            *[(k, v) for k, v in (record.headers or []) if k == "trace_id"],
        ]
        future = self._dead_letters.send(
            DEAD_LETTER_TOPIC, key=self.name.encode(), value=record.value or b"", headers=headers
        )
        future.get(timeout=30)
        metrics.DEAD_LETTERS.labels(self.name, record.topic).inc()
        metrics.EVENTS_CONSUMED.labels(self.name, event_type, "dead_lettered").inc()
        log.error(
            "event dead-lettered",
            extra={"topic": record.topic, "offset": record.offset, "reason": reason[:200]},
        )

    def _report_lag(self) -> None:
        for partition in self._consumer.assignment():
            high = self._consumer.highwater(partition)
            if high is None:
                continue
            position = self._consumer.position(partition, timeout_ms=100)
            if position is not None:
                metrics.CONSUMER_LAG.labels(self.name, partition.topic, partition.partition).set(
                    max(high - position, 0)
                )
