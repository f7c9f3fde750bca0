"""Kafka over TLS with SCRAM-SHA-512 (SASL_SSL): the project's clients and the outbox relay
against a real broker whose second listener demands both, with certificates made here."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from court.v1 import events_pb2
from kafka.errors import KafkaError
from support.ports import free_port
from support.probe_events import enqueue_probes, prepare_schema
from support.stack import JAR_CACHE
from support.tls import make_server_tls

from services.common.db import connect_pool
from services.common.kafka import (
    KafkaSecurity,
    admin_client,
    ensure_topics,
    make_consumer,
    make_producer,
)
from services.common.outbox import OutboxRelay
from services.stack.kafka import KafkaBroker, SecureListener, fetch_kafka_jars

TOPIC = "test.secure"


@pytest.fixture(scope="module")
def secure_broker(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[KafkaBroker, KafkaSecurity]]:
    folder = tmp_path_factory.mktemp("secure-kafka")
    tls = make_server_tls(folder / "tls")
    broker = KafkaBroker(
        data_dir=folder / "kafka",
        jars_dir=fetch_kafka_jars(JAR_CACHE),
        port=free_port(),
        controller_port=free_port(),
        log_file=folder / "kafka.log",
        secure=SecureListener(port=free_port(), keystore=tls.keystore),
    )
    broker.start()
    password = secrets.token_urlsafe(24)
    broker.add_scram_user("openecf", password)
    security = KafkaSecurity(
        protocol="SASL_SSL", ca_file=str(tls.ca_file), username="openecf", password=password
    )
    try:
        yield broker, security
    finally:
        broker.stop()


def _secure(broker: KafkaBroker) -> str:
    assert broker.secure is not None
    return broker.secure.bootstrap


def _wait_for_login(bootstrap: str, security: KafkaSecurity, timeout: float = 30) -> None:
    # A new SCRAM user reaches the listener through the metadata log a moment after creation.
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin_client(bootstrap, timeout_ms=5000, security=security).close()
            return
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_produce_and_consume_over_tls_with_scram(
    secure_broker: tuple[KafkaBroker, KafkaSecurity],
) -> None:
    broker, security = secure_broker
    bootstrap = _secure(broker)
    _wait_for_login(bootstrap, security)
    ensure_topics(bootstrap, {TOPIC: {}}, security=security)
    producer = make_producer(bootstrap, client_id="test-secure", security=security)
    sent = [f"record {n} {uuid.uuid4()}".encode() for n in range(20)]
    try:
        for value in sent:
            producer.send(TOPIC, value=value)
        producer.flush(timeout=20)
    finally:
        producer.close(timeout=5)
    consumer = make_consumer(
        bootstrap, group_id=f"test-secure-{uuid.uuid4()}", topics=[TOPIC], security=security
    )
    received: list[bytes] = []
    deadline = time.monotonic() + 30
    try:
        while len(received) < len(sent) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                received += [record.value for record in records]
    finally:
        consumer.close()
    assert sorted(received) == sorted(sent)


@pytest.mark.parametrize("wrong", ["password", "user", "ca", "plaintext"])
def test_a_client_without_the_right_login_or_ca_is_refused(
    secure_broker: tuple[KafkaBroker, KafkaSecurity], tmp_path: Path, wrong: str
) -> None:
    broker, security = secure_broker
    bootstrap = _secure(broker)
    _wait_for_login(bootstrap, security)
    bad = {
        "password": replace(security, password="not the password"),
        "user": replace(security, username="mallory"),
        "ca": replace(
            security, ca_file=str(make_server_tls(tmp_path, common_name="Other").ca_file)
        ),
        "plaintext": KafkaSecurity(),
    }[wrong]
    with pytest.raises(KafkaError):
        admin_client(bootstrap, timeout_ms=5000, security=bad).list_topics()


def test_the_outbox_relay_publishes_through_the_secure_listener(
    secure_broker: tuple[KafkaBroker, KafkaSecurity], database_url: str
) -> None:
    broker, security = secure_broker
    bootstrap = _secure(broker)
    _wait_for_login(bootstrap, security)
    topic = "test.secure.relay"
    ensure_topics(bootstrap, {topic: {}}, security=security)
    schema = "securerelay"
    prepare_schema(database_url, schema)
    ids = enqueue_probes(database_url, schema, 15, subject="secure", topic=topic)
    pool = connect_pool(database_url, schema=schema, max_size=2)
    producer = make_producer(bootstrap, client_id="test-secure-relay", security=security)
    relay = OutboxRelay(pool=pool, producer=producer, schema=schema, send_timeout_seconds=10)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    unsent = f"SELECT count(*) FROM {schema}.outbox WHERE sent_at IS NULL"
    try:
        deadline = time.monotonic() + 30
        while _count(database_url, unsent) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _count(database_url, unsent) == 0
    finally:
        stop.set()
        thread.join(timeout=30)
        producer.close(timeout=5)
        pool.close()

    consumer = make_consumer(
        bootstrap, group_id=f"test-relay-{uuid.uuid4()}", topics=[topic], security=security
    )
    seen: set[str] = set()
    deadline = time.monotonic() + 30
    try:
        while not set(ids) <= seen and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    envelope = events_pb2.EventEnvelope()
                    envelope.ParseFromString(record.value)
                    seen.add(envelope.event_id)
    finally:
        consumer.close()
    assert set(ids) <= seen


def _count(database_url: str, sql: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0
