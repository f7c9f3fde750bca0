"""A consumer in its own process, for crash tests.

usage: python consumer_process.py DATABASE_URL BOOTSTRAP TOPIC SCHEMA GROUP EXPECTED CRASH

CRASH=crash: exit abruptly (status 3) right after the first effect commits in PostgreSQL
and before its Kafka offset is committed — the window where a redelivery must not double
the effect. Otherwise: consume until EXPECTED events of the group are recorded, then stop.
"""

from __future__ import annotations

import os
import sys
import threading

import psycopg
from court.v1 import events_pb2

from services.common.consumer import EventConsumer, Handler
from services.common.db import connect_pool
from services.common.kafka import make_consumer, make_producer
from support.probe_events import PROBE_TYPE, record_effect


class CrashAfterEffect(EventConsumer):
    def _apply_once(self, envelope: events_pb2.EventEnvelope, handler: Handler) -> str:
        outcome = super()._apply_once(envelope, handler)
        if outcome == "applied":
            os._exit(3)  # the effect is committed; the offset is not
        return outcome


def main() -> int:
    database_url, bootstrap, topic, schema, group, expected, mode = sys.argv[1:8]
    pool = connect_pool(database_url, schema=schema, max_size=2)
    stop = threading.Event()
    cls = CrashAfterEffect if mode == "crash" else EventConsumer
    consumer = cls(
        name=group,
        consumer=make_consumer(bootstrap, group_id=group, topics=[topic]),
        pool=pool,
        handlers={PROBE_TYPE: record_effect},
        dead_letters=make_producer(bootstrap, client_id="test-dlq"),
    )

    def watch() -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            while not stop.wait(0.2):
                (done,) = conn.execute(
                    f"SELECT count(*) FROM {schema}.processed_events WHERE consumer = %s", [group]
                ).fetchone() or (0,)
                if done >= int(expected):
                    stop.set()

    threading.Thread(target=watch, daemon=True).start()
    timer = threading.Timer(60, stop.set)
    timer.start()
    consumer.run(stop)
    timer.cancel()
    return 0


if __name__ == "__main__":
    sys.exit(main())
