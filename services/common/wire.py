"""Small conversions to wire messages that several services share."""

from __future__ import annotations

from datetime import datetime

from court.v1 import common_pb2

from services.common.clock import court_time


def fill_court_time(target: common_pb2.CourtTime, when: datetime) -> None:
    """Set ``target`` to ``when`` in UTC and in the court's local time."""
    moment = court_time(when)
    target.utc.FromDatetime(moment.utc)
    target.local = moment.local.isoformat()
    target.local_date = moment.local_date
