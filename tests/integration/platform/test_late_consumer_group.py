"""A consumer group joining late: its state reads the whole history, its mail only the new.

Against real PostgreSQL and Kafka: a group that sends mail (an ``Act`` handler) deployed
against a topic that already holds events must not act on them, while a group that builds
state applies every one; losing the group's offsets later draws the same line again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from support.api import wait_for
from support.probe_events import (
    PROBE_TYPE,
    enqueue_probes,
    prepare_schema,
    publish_all,
    record_effect,
)

from services.common.consumer import EventConsumer
from services.common.consumer_start import Act, ForgetLagOnRevoke, Handler
from services.common.db import connect_pool
from services.common.kafka import make_consumer, make_producer
from services.stack.kafka import ensure_topics
from services.stack.supervisor import LocalStack


def _scalar(database_url: str, sql: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


@contextmanager
def _consuming(
    database_url: str,
    bootstrap: str,
    *,
    schema: str,
    name: str,
    group_id: str,
    handler: Handler | Act,
    topic: str,
) -> Iterator[None]:
    pool = connect_pool(database_url, schema=schema, max_size=2)
    producer = make_producer(bootstrap, client_id=f"test-dlq-{schema}")
    consumer = EventConsumer(
        name=name,
        consumer=make_consumer(
            bootstrap, group_id=group_id, topics=[topic], listener=ForgetLagOnRevoke(name)
        ),
        pool=pool,
        handlers={PROBE_TYPE: handler},
        dead_letters=producer,
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=15)
        producer.close(timeout=5)
        pool.close()


def test_a_late_group_builds_state_from_history_but_acts_only_on_what_follows(
    stack: LocalStack, database_url: str
) -> None:
    suffix = uuid.uuid4().hex[:8]
    topic, source = f"test.start-{suffix}", f"startsrc{suffix}"
    mailer, viewer = f"startact{suffix}", f"startstate{suffix}"
    bootstrap = stack.settings.kafka_bootstrap
    ensure_topics(bootstrap, {topic: {}})
    for schema in (source, mailer, viewer):
        prepare_schema(database_url, schema)

    # A year of history, before either group existed.
    enqueue_probes(database_url, source, 3, subject="old", topic=topic)
    publish_all(database_url, source, bootstrap)

    acts = f"SELECT count(*) FROM {mailer}.effects"
    state = f"SELECT count(*) FROM {viewer}.effects"
    with (
        _consuming(
            database_url,
            bootstrap,
            schema=mailer,
            name="mailer",
            group_id=f"m-{suffix}",
            handler=Act(record_effect),
            topic=topic,
        ),
        _consuming(
            database_url,
            bootstrap,
            schema=viewer,
            name="viewer",
            group_id=f"v-{suffix}",
            handler=record_effect,
            topic=topic,
        ),
    ):
        wait_for(
            lambda: _scalar(database_url, f"SELECT count(*) FROM {mailer}.consumer_groups") == 1,
            timeout=30,
            what="the mailer's first run recorded",
        )
        wait_for(
            lambda: _scalar(database_url, state) == 3,
            timeout=30,
            what="the state group read the history",
        )
        enqueue_probes(database_url, source, 2, subject="new", topic=topic)
        publish_all(database_url, source, bootstrap)
        wait_for(
            lambda: _scalar(database_url, state) == 5,
            timeout=30,
            what="the state group read the new",
        )
        wait_for(
            lambda: _scalar(database_url, acts) == 2, timeout=30, what="the mailer acted on the new"
        )
    assert _scalar(database_url, acts) == 2  # and on nothing older

    # The mailer's offsets are lost (a new Kafka group): it reads everything again, acts on
    # nothing old, and recognises the new events it already acted on.
    with _consuming(
        database_url,
        bootstrap,
        schema=mailer,
        name="mailer",
        group_id=f"m2-{suffix}",
        handler=Act(record_effect),
        topic=topic,
    ):
        wait_for(
            lambda: (
                _scalar(
                    database_url,
                    f"SELECT count(*) FROM {mailer}.processed_events WHERE consumer = 'mailer'",
                )
                == 2
            ),
            timeout=30,
            what="the mailer's redelivered events recognised",
        )
        time.sleep(2)  # room for a wrong effect to appear
    assert _scalar(database_url, acts) == 2
