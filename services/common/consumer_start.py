"""What a consumer group does with events older than itself.

Every group reads its topics from the start of their history: the state a service keeps
(a case's counsel, an account's addresses) must be complete however late the group joins.
A handler that acts on the world — one that sends mail — is declared with ``Act``, and
applies only to events that occurred after its group first ran: notify deployed against a
topic that already holds a year of entries builds its view of that year and sends nothing
for it. The group's first run is recorded in its schema, so a restart, a second replica or
a rebalance draws the same line.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from court.v1 import events_pb2
from kafka import ConsumerRebalanceListener
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common import metrics

log = logging.getLogger(__name__)

Handler = Callable[[Connection[Any], events_pb2.EventEnvelope], None]


@dataclass(frozen=True)
class Act:
    """A handler with an effect outside the platform: never applied to the group's past."""

    handler: Handler


Handlers = Mapping[str, Handler | Act]


def group_first_ran(pool: ConnectionPool, consumer: str) -> datetime:
    """The moment ``consumer`` first ran against this schema (recorded now if never)."""
    with pool.connection() as conn, conn.transaction():
        conn.execute(
            "INSERT INTO consumer_groups (consumer) VALUES (%s) ON CONFLICT DO NOTHING",
            [consumer],
        )
        row = conn.execute(
            "SELECT created_at FROM consumer_groups WHERE consumer = %s", [consumer]
        ).fetchone()
    assert row is not None
    first: datetime = row[0]
    return first


def occurred_before(envelope: events_pb2.EventEnvelope, moment: datetime) -> bool:
    if not envelope.HasField("occurred_at"):
        return False  # no time to judge by: acting is safer than silently dropping
    return envelope.occurred_at.ToDatetime(tzinfo=UTC) < moment


class ForgetLagOnRevoke(ConsumerRebalanceListener):
    """A partition another member now reads is reported by that member, not left stale here."""

    def __init__(self, name: str) -> None:
        self._name = name

    def on_partitions_revoked(self, revoked: Any) -> None:
        for partition in revoked:
            with contextlib.suppress(KeyError):  # never reported
                metrics.CONSUMER_LAG.remove(self._name, partition.topic, str(partition.partition))

    def on_partitions_assigned(self, assigned: Any) -> None:
        pass
