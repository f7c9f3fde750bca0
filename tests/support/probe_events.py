"""Test events: a probe payload on a real topic, and a table its handler writes to."""

from __future__ import annotations

from typing import Any

import psycopg
from court.v1 import events_pb2
from google.protobuf import wrappers_pb2
from psycopg import Connection

from services.common.db import connect_pool
from services.common.events import new_event
from services.common.kafka import make_producer
from services.common.migrations import migrate
from services.common.outbox import OutboxRelay, enqueue

PROBE_TYPE = "test.probe"


def prepare_schema(database_url: str, schema: str) -> None:
    """A schema with the outbox and processed-event tables, and an effects table."""
    migrate(database_url, schema)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {schema}.effects (event_id uuid NOT NULL, body text)"
        )


def enqueue_probes(
    database_url: str, schema: str, count: int, *, subject: str, topic: str
) -> list[str]:
    ids = []
    with (
        psycopg.connect(database_url, options=f"-c search_path={schema}") as conn,
        conn.transaction(),
    ):
        for n in range(count):
            envelope = new_event(
                event_type=PROBE_TYPE,
                source="test",
                subject=f"{subject}-{n}",
                payload=wrappers_pb2.StringValue(value=f"probe {n}"),
            )
            enqueue(conn, envelope, topic=topic)
            ids.append(envelope.event_id)
    return ids


def record_effect(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    value = wrappers_pb2.StringValue()
    envelope.payload.Unpack(value)
    conn.execute(
        "INSERT INTO effects (event_id, body) VALUES (%s, %s)", [envelope.event_id, value.value]
    )


def publish_all(database_url: str, schema: str, bootstrap: str) -> None:
    """Relay every unsent outbox row of ``schema`` to Kafka, then return."""
    pool = connect_pool(database_url, schema=schema, max_size=2)
    producer = make_producer(bootstrap, client_id=f"test-{schema}")
    try:
        relay = OutboxRelay(pool=pool, producer=producer, schema=schema)
        while relay.publish_batch():
            pass
    finally:
        producer.close(timeout=5)
        pool.close()
