"""Small conversions to wire messages that several services share."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from court.v1 import common_pb2

from services.common.clock import court_time


def court_time_pb(when: datetime, tz: ZoneInfo) -> common_pb2.CourtTime:
    """``when`` in UTC and in the court's local time (with the court-local filing date)."""
    moment = court_time(when, tz)
    message = common_pb2.CourtTime(local=moment.local.isoformat(), local_date=moment.local_date)
    message.utc.FromDatetime(moment.utc)
    return message


def fill_court_time(target: common_pb2.CourtTime, when: datetime, tz: ZoneInfo) -> None:
    """Set a message's CourtTime field in place (protobuf fields cannot be assigned)."""
    target.CopyFrom(court_time_pb(when, tz))
