"""The outbox relay and the idempotent consumer against real PostgreSQL and Kafka."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from support.api import wait_for
from support.ports import free_port
from support.probe_events import (
    PROBE_TYPE,
    enqueue_probes,
    prepare_schema,
    publish_all,
    record_effect,
)
from support.stack import JAR_CACHE

from services.common.commit_signal import CommitSignal
from services.common.consumer import EventConsumer
from services.common.db import connect_pool
from services.common.errors import PermanentEventError
from services.common.events import DEAD_LETTER_TOPIC
from services.common.kafka import make_consumer, make_producer
from services.common.outbox import OutboxRelay
from services.stack.kafka import KafkaBroker, ensure_topics
from services.stack.supervisor import LocalStack

TESTS = Path(__file__).resolve().parents[2]


def _count(database_url: str, sql: str, params: list[object] | None = None) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(sql, params or []).fetchone()
    return int(row[0]) if row else 0


def _read_all(bootstrap: str, topic: str, timeout: float = 10.0) -> list:  # type: ignore[type-arg]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    end = consumer.end_offsets(partitions)
    records = []
    deadline = time.monotonic() + timeout
    while any(consumer.position(p) < end[p] for p in partitions) and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    consumer.close()
    return records


def test_consumer_killed_after_effect_before_offset_commit_does_not_double_it(
    stack: LocalStack, database_url: str
) -> None:
    schema, group = "crashtest", f"crash-{uuid.uuid4().hex[:8]}"
    topic = f"test.{group}"
    ensure_topics(stack.settings.kafka_bootstrap, {topic: {}})
    prepare_schema(database_url, schema)
    ids = enqueue_probes(database_url, schema, 3, subject=group, topic=topic)
    publish_all(database_url, schema, stack.settings.kafka_bootstrap)

    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    args = [
        sys.executable,
        str(TESTS / "support" / "consumer_process.py"),
        database_url,
        stack.settings.kafka_bootstrap,
        topic,
        schema,
        group,
        "3",
    ]
    crashed = subprocess.run([*args, "crash"], env=env, timeout=90, capture_output=True)
    assert crashed.returncode == 3, crashed.stderr.decode()[-2000:]
    assert _count(database_url, f"SELECT count(*) FROM {schema}.effects") == 1

    finished = subprocess.run([*args, "finish"], env=env, timeout=90, capture_output=True)
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]
    with psycopg.connect(database_url, autocommit=True) as conn:
        effects = conn.execute(f"SELECT event_id::text FROM {schema}.effects").fetchall()
    # Redelivered, recognised, applied once: every event exactly once.
    assert sorted(e for (e,) in effects) == sorted(ids)


def test_undecodable_and_permanently_invalid_events_go_to_the_dead_letter_topic(
    stack: LocalStack, database_url: str
) -> None:
    schema, group = "dlqtest", f"dlq-{uuid.uuid4().hex[:8]}"
    topic = f"test.{group}"
    bootstrap = stack.settings.kafka_bootstrap
    ensure_topics(bootstrap, {topic: {}})
    prepare_schema(database_url, schema)
    calls: dict[str, int] = {}

    def flaky_then_fine(conn, envelope):  # type: ignore[no-untyped-def]
        # Fails twice (a transient error), then applies: retried with backoff, not dropped.
        calls[envelope.event_id] = calls.get(envelope.event_id, 0) + 1
        if envelope.subject.endswith("-0") and calls[envelope.event_id] <= 2:
            raise RuntimeError("transient")
        if envelope.subject.endswith("-1"):
            raise PermanentEventError("this probe can never be applied")
        record_effect(conn, envelope)

    producer = make_producer(bootstrap, client_id="test-garbage")
    producer.send(topic, key=group.encode(), value=b"\x00 not an envelope").get(timeout=10)
    ids = enqueue_probes(database_url, schema, 3, subject=group, topic=topic)
    publish_all(database_url, schema, bootstrap)

    pool = connect_pool(database_url, schema=schema, max_size=2)
    stop = threading.Event()
    consumer = EventConsumer(
        name=group,
        consumer=make_consumer(bootstrap, group_id=group, topics=[topic]),
        pool=pool,
        handlers={PROBE_TYPE: flaky_then_fine},
        dead_letters=producer,
        backoff_seconds=0.05,
    )
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        wait_for(
            lambda: _count(database_url, f"SELECT count(*) FROM {schema}.effects") == 2,
            timeout=30,
            what="two probes applied",
        )
    finally:
        stop.set()
        thread.join(timeout=15)
        pool.close()
    assert calls[ids[0]] == 3  # two transient failures, then success

    letters = [r for r in _read_all(bootstrap, DEAD_LETTER_TOPIC) if r.key == group.encode()]
    reasons = sorted(dict(r.headers)["error"].decode() for r in letters)
    assert len(letters) == 2, reasons
    assert any("never be applied" in reason for reason in reasons)
    assert any("EventEnvelope" in reason or "bad event id" in reason for reason in reasons)
    assert all(dict(r.headers)["source_topic"] == topic.encode() for r in letters)
    producer.close(timeout=5)


@pytest.fixture
def own_broker(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A broker of this test's own, so stopping it disturbs nobody else."""
    from services.stack.kafka import fetch_kafka_jars

    broker = KafkaBroker(
        data_dir=tmp_path / "kafka",
        jars_dir=fetch_kafka_jars(JAR_CACHE),
        port=free_port(),
        controller_port=free_port(),
        log_file=tmp_path / "kafka.log",
    )
    bootstrap = broker.start()
    ensure_topics(bootstrap, {"test.relay": {}})
    try:
        yield broker
    finally:
        broker.stop()


def test_the_relay_survives_a_broker_restart_without_losing_a_row(
    own_broker: KafkaBroker, database_url: str
) -> None:
    schema = "relaytest"
    prepare_schema(database_url, schema)
    bootstrap = own_broker.start() if not own_broker.is_running else own_broker.bootstrap
    pool = connect_pool(database_url, schema=schema, max_size=2)
    producer = make_producer(bootstrap, client_id="test-relay")
    relay = OutboxRelay(pool=pool, producer=producer, schema=schema, send_timeout_seconds=3)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    unsent = f"SELECT count(*) FROM {schema}.outbox WHERE sent_at IS NULL"
    try:
        before = enqueue_probes(database_url, schema, 20, subject="before", topic="test.relay")
        wait_for(lambda: _count(database_url, unsent) == 0, timeout=30, what="first rows sent")

        own_broker.stop()
        during = enqueue_probes(database_url, schema, 20, subject="during", topic="test.relay")
        time.sleep(3)  # the relay keeps trying while the broker is away
        assert _count(database_url, unsent) == 20

        own_broker.start()
        wait_for(
            lambda: _count(database_url, unsent) == 0, timeout=90, what="rows sent after restart"
        )
    finally:
        stop.set()
        thread.join(timeout=30)
        producer.close(timeout=5)
        pool.close()

    published = {r.value for r in _read_all(bootstrap, "test.relay", timeout=20)}
    from court.v1 import events_pb2

    seen = set()
    for raw in published:
        envelope = events_pb2.EventEnvelope()
        envelope.ParseFromString(raw)
        seen.add(envelope.event_id)
    assert set(before) | set(during) <= seen


@pytest.fixture
def woken_relay(stack: LocalStack, database_url: str):  # type: ignore[no-untyped-def]
    """A relay of a schema of its own that would look only every 60 s unless a commit wakes
    it, running in a thread; yields (schema, topic, the wait until a row is sent)."""
    schema = f"wake{uuid.uuid4().hex[:8]}"
    topic = f"test.{schema}"
    bootstrap = stack.settings.kafka_bootstrap
    ensure_topics(bootstrap, {topic: {}})
    prepare_schema(database_url, schema)
    pool = connect_pool(database_url, schema=schema, max_size=2)
    producer = make_producer(bootstrap, client_id=f"test-{schema}")
    signal = CommitSignal(
        database_url, schema=schema, table="outbox", application_name=f"test-{schema}"
    )
    relay = OutboxRelay(pool=pool, producer=producer, schema=schema, poll_seconds=60, signal=signal)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    unsent = f"SELECT count(*) FROM {schema}.outbox WHERE sent_at IS NULL"

    def sent_within(seconds: float) -> float:
        started = time.monotonic()
        wait_for(lambda: _count(database_url, unsent) == 0, timeout=seconds, what="rows sent")
        return time.monotonic() - started

    try:
        wait_for(
            lambda: _listening(database_url, f"test-{schema}"), timeout=30, what="relay listening"
        )
        # A first row, so the producer has the new topic's metadata and its connection before
        # a test times a wake: on a loaded machine those alone can take seconds.
        enqueue_probes(database_url, schema, 1, subject="warm", topic=topic)
        sent_within(50)
        yield schema, topic, sent_within
    finally:
        stop.set()
        thread.join(timeout=30)
        producer.close(timeout=5)
        pool.close()
    assert not thread.is_alive()


def _listening(database_url: str, application_name: str) -> int:
    return _count(
        database_url,
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
        [application_name],
    )


def test_a_commit_wakes_the_relay_at_once(woken_relay, database_url: str) -> None:  # type: ignore[no-untyped-def]
    schema, topic, sent_within = woken_relay
    time.sleep(1)  # the relay is asleep, with 59 s of its poll left
    enqueue_probes(database_url, schema, 3, subject="woken", topic=topic)
    assert sent_within(20) < 20  # the poll would take 60 s


def test_a_relay_whose_listener_was_cut_polls_then_listens_again(
    woken_relay, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    """A database restart cuts the LISTEN connection: nothing is lost (the fallback poll would
    send it), and the relay listens again on its next wait."""
    schema, topic, sent_within = woken_relay
    listener = f"test-{schema}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [listener],
        )
    enqueue_probes(database_url, schema, 1, subject="cut", topic=topic)
    # The relay sees the cut at once, looks, listens again and looks once more (a commit in
    # the gap woke no one): the row goes out long before the 60 s poll.
    assert sent_within(20) < 20  # the poll would take 60 s
    wait_for(lambda: _listening(database_url, listener), timeout=30, what="listening again")
    time.sleep(1)
    enqueue_probes(database_url, schema, 1, subject="again", topic=topic)
    assert sent_within(20) < 20  # the poll would take 60 s
