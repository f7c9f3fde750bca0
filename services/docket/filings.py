"""Docketing filings from ``filing.events`` (consumer group ``docket.filings``).

``filing.submitted`` is docketed at once unless the filing waits for review; a reviewed
filing (a notice of appearance) is docketed from ``filing.accepted``. ``filing.rejected``
is not ours. Each event applies in one transaction with its processed-event row (see
services/common/consumer.py), and a filing already docketed by another route is skipped.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import common_pb2, events_pb2
from psycopg import Connection

from services.common.clock import Clock, system_clock
from services.common.consumer import Handler
from services.common.events import unpack
from services.docket import metrics
from services.docket.appearances import enter_appearance
from services.docket.cases import open_case
from services.docket.entries import received_at_of, record_filing

CONSUMER_GROUP = "docket.filings"
TOPIC = "filing.events"


def docket_filing(
    conn: Connection[Any],
    filing: events_pb2.FilingSubmitted,
    *,
    reviewed: bool = False,
    clock: Clock = system_clock,
    tz: ZoneInfo,
) -> None:
    """Open the case, enter the appearance or record the entry that ``filing`` calls for."""
    if filing.filing_type == common_pb2.FILING_TYPE_PETITION_FOR_REVIEW:
        done: object = open_case(conn, filing, clock=clock, tz=tz)
    elif filing.filing_type == common_pb2.FILING_TYPE_NOTICE_OF_APPEARANCE:
        done = enter_appearance(conn, filing, clock=clock, tz=tz)
    else:
        done = record_filing(conn, filing, clock=clock, tz=tz)
    if done is not None:
        delay = (clock.now() - received_at_of(filing)).total_seconds()
        metrics.FILING_TO_ENTRY_SECONDS.labels("true" if reviewed else "false").observe(
            max(delay, 0.0)
        )


def handlers(*, clock: Clock = system_clock, tz: ZoneInfo) -> dict[str, Handler]:
    def on_submitted(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
        filing = unpack(envelope, events_pb2.FilingSubmitted)
        if filing.requires_review:
            return  # docketed from filing.accepted, if a clerk accepts it
        docket_filing(conn, filing, clock=clock, tz=tz)

    def on_accepted(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
        accepted = unpack(envelope, events_pb2.FilingAccepted)
        filing = accepted.filing
        if not filing.filing_id:
            filing.filing_id = accepted.filing_id
        docket_filing(conn, filing, reviewed=True, clock=clock, tz=tz)

    return {"filing.submitted": on_submitted, "filing.accepted": on_accepted}
