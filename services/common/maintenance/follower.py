"""Following ``platform.maintenance``: every process keeps the newest maintenance state.

The topic is compacted with one key, so its newest record is the current state. Each process
reads it from the beginning with manually assigned partitions (no consumer group: every
process must see every record, and nothing is committed) and keeps polling, so a change is
seen within a fraction of a second of the outbox relay publishing it. When Kafka is away
the last known state stays in force — and still ends at its ``until``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from court.v1 import events_pb2
from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import TopicPartition

from services.common import metrics
from services.common.clock import Clock, system_clock
from services.common.errors import PermanentEventError
from services.common.events import MAINTENANCE_TOPIC, decode_envelope, unpack
from services.common.kafka import FETCH_WAIT_MS, PLAINTEXT, POLL_TIMEOUT_MS, KafkaSecurity
from services.common.maintenance.schedule import WeeklySchedule
from services.common.maintenance.state import EVENT_TYPE, OFF, MaintenanceState
from services.common.settings import Settings

log = logging.getLogger(__name__)


class MaintenanceView:
    """The newest maintenance state this process has seen (thread-safe)."""

    def __init__(self, state: MaintenanceState = OFF) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._loaded = threading.Event()

    def state(self) -> MaintenanceState:
        with self._lock:
            return self._state

    def set(self, state: MaintenanceState) -> None:
        with self._lock:
            self._state = state

    @property
    def loaded(self) -> bool:
        """True once the topic was read up to its end at least once."""
        return self._loaded.is_set()

    def mark_loaded(self) -> None:
        self._loaded.set()

    def wait_loaded(self, timeout: float) -> bool:
        return self._loaded.wait(timeout)


# The process's own view: its follower writes it, the gate and the edge read it.
VIEW = MaintenanceView()


class MaintenanceFollower:
    def __init__(
        self,
        *,
        bootstrap: str,
        client_id: str,
        security: KafkaSecurity = PLAINTEXT,
        view: MaintenanceView = VIEW,
        topic: str = MAINTENANCE_TOPIC,
        poll_ms: int = POLL_TIMEOUT_MS,
    ) -> None:
        self._bootstrap = bootstrap
        self._security = security
        self._client_id = client_id
        self._view = view
        self._topic = topic
        self._poll_ms = poll_ms
        # The newest state per partition (one key means one partition; more is tolerated).
        self._latest: dict[int, MaintenanceState] = {}

    def run(self, stop: threading.Event) -> None:
        """Follow until ``stop``; a broker outage is waited out, never fatal."""
        while not stop.is_set():
            try:
                self._follow(stop)
            except Exception as exc:
                log.warning("maintenance follower lost Kafka, retrying", extra={"error": repr(exc)})
                stop.wait(1.0)

    def _follow(self, stop: threading.Event) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self._bootstrap.split(","),
            client_id=self._client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=FETCH_WAIT_MS,
            reconnect_backoff_max_ms=2000,
            allow_auto_create_topics=False,
            **self._security.client_options(),
        )
        try:
            partitions = consumer.partitions_for_topic(self._topic)
            while not partitions:
                if stop.wait(1.0):
                    return
                partitions = consumer.partitions_for_topic(self._topic)
            assigned = [TopicPartition(self._topic, p) for p in sorted(partitions)]
            consumer.assign(assigned)
            consumer.seek_to_beginning(*assigned)
            self._latest.clear()
            end = consumer.end_offsets(assigned)
            while not stop.is_set():
                # Before polling: an empty topic is loaded at once, not after a poll's wait.
                if not self._view.loaded and all(
                    consumer.position(tp) >= end[tp] for tp in assigned
                ):
                    self._view.mark_loaded()
                    log.info("maintenance state loaded", extra=_fields(self._view.state()))
                batch = consumer.poll(timeout_ms=self._poll_ms)
                for records in batch.values():
                    for record in records:
                        self._take(record)
                if batch:
                    self._publish()
        finally:
            consumer.close(autocommit=False)

    def _take(self, record: ConsumerRecord) -> None:
        if record.value is None:  # a tombstone: this partition holds no state any more
            self._latest.pop(record.partition, None)
            return
        try:
            envelope = decode_envelope(record.value)
            if envelope.type != EVENT_TYPE:
                return
            message = unpack(envelope, events_pb2.MaintenanceStateChanged)
        except PermanentEventError as exc:
            log.warning("ignoring a bad maintenance record", extra={"error": str(exc)})
            return
        changed_at = envelope.occurred_at.ToDatetime(tzinfo=UTC)
        self._latest[record.partition] = MaintenanceState.from_event(message, changed_at=changed_at)

    def _publish(self) -> None:
        newest = max(
            self._latest.values(),
            key=lambda s: s.changed_at or datetime.min.replace(tzinfo=UTC),
            default=OFF,
        )
        if newest != self._view.state():
            self._view.set(newest)
            log.info("maintenance state changed", extra=_fields(newest))


def _fields(state: MaintenanceState) -> dict[str, object]:
    return {
        "active": state.active,
        "until": state.until.isoformat() if state.until else "",
        "source": state.source,
        "reason": state.reason,
    }


def install_metrics(
    schedule: WeeklySchedule, *, view: MaintenanceView = VIEW, clock: Clock = system_clock
) -> None:
    """The maintenance gauges, computed at scrape time (``until`` passes without an event)."""
    metrics.MAINTENANCE_ACTIVE.set_function(lambda: float(view.state().in_force(clock.now())))
    metrics.MAINTENANCE_NEXT_WINDOW_SECONDS.set_function(
        lambda: schedule.seconds_to_next(clock.now())
    )


def follower_worker(settings: Settings, *, process: str) -> Callable[[threading.Event], None]:
    """The follower as a service worker (``ServiceRuntime`` runs it beside the outbox relay)."""
    install_metrics(WeeklySchedule.from_settings(settings))
    follower = MaintenanceFollower(
        bootstrap=settings.kafka_bootstrap,
        client_id=f"openecf-{process}-maintenance",
        security=KafkaSecurity.from_settings(settings),
    )
    return follower.run


def follow_in_background(settings: Settings, *, process: str) -> Callable[[], None]:
    """Start following in a daemon thread (the edge); returns the function that stops it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=follower_worker(settings, process=process),
        args=(stop,),
        name="maintenance-follower",
        daemon=True,
    )
    thread.start()

    def stop_following() -> None:
        stop.set()
        thread.join(timeout=5)

    return stop_following
