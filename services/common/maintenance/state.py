"""The maintenance state: one value, as stored by auth and published on ``platform.maintenance``.

``active`` says the court was closed; ``until`` bounds it, so a missed "off" cannot keep the
court closed: a state is *in force* only while ``now < until``. Every process asks
``in_force(now)`` with the court clock, never ``active`` alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from google.protobuf.timestamp_pb2 import Timestamp

# The event, its topic and its one key: compaction keeps the newest record, the current state.
EVENT_TYPE = "platform.maintenance_changed"
EVENT_KEY = "court"

Source = Literal["schedule", "admin"]
SOURCES: dict[str, events_pb2.MaintenanceSource.ValueType] = {
    "schedule": events_pb2.MAINTENANCE_SOURCE_SCHEDULE,
    "admin": events_pb2.MAINTENANCE_SOURCE_ADMIN,
}
SOURCE_NAMES = {value: name for name, value in SOURCES.items()}
SCHEDULED_REASON = "Scheduled weekly maintenance"
DEFAULT_REASON = "Maintenance"


@dataclass(frozen=True)
class MaintenanceState:
    active: bool = False
    reason: str = ""
    started_at: datetime | None = None
    until: datetime | None = None
    source: str = ""  # "schedule" | "admin" | "" (never set)
    set_by_account_id: str = ""  # the administrator's account id, if one set it
    changed_at: datetime | None = None

    def in_force(self, now: datetime) -> bool:
        """Closed now: active, and ``until`` (always set when active) not yet reached."""
        return self.active and self.until is not None and now < self.until

    def seconds_left(self, now: datetime) -> int:
        """Whole seconds until the window ends (at least 1 while in force): the Retry-After."""
        if not self.in_force(now) or self.until is None:
            return 0
        return max(1, math.ceil((self.until - now).total_seconds()))

    def to_event(self) -> events_pb2.MaintenanceStateChanged:
        message = events_pb2.MaintenanceStateChanged(
            active=self.active,
            reason=self.reason,
            source=SOURCES.get(self.source, events_pb2.MAINTENANCE_SOURCE_UNSPECIFIED),
            changed_by_account_id=self.set_by_account_id,
        )
        _set(message.started_at, self.started_at)
        _set(message.until, self.until)
        return message

    @classmethod
    def from_event(
        cls, message: events_pb2.MaintenanceStateChanged, *, changed_at: datetime | None = None
    ) -> MaintenanceState:
        return cls(
            active=message.active,
            reason=message.reason,
            started_at=_get(message.started_at) if message.HasField("started_at") else None,
            until=_get(message.until) if message.HasField("until") else None,
            source=SOURCE_NAMES.get(message.source, ""),
            set_by_account_id=message.changed_by_account_id,
            changed_at=changed_at,
        )


OFF = MaintenanceState()


def _set(field: Timestamp, value: datetime | None) -> None:
    if value is not None:
        field.FromDatetime(value.astimezone(UTC))


def _get(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_until(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """``2h``, ``90m``, ``1h30m``, ``45s``, ``1d`` from now; or an ISO 8601 time.

    An ISO time without an offset is court-local. Raises ValueError with a message for people.
    """
    value = text.strip().lower()
    match = _DURATION.match(value) if value else None
    try:
        if match and any(match.groups()):
            return _after(now, *(int(part or 0) for part in match.groups()))
        return _instant(text, tz)
    except OverflowError:  # 99999999999999999999h, or a time at the calendar's very end
        raise ValueError(f"{text!r} is beyond the calendar (years 1 to 9999)") from None


def _after(now: datetime, days: int, hours: int, minutes: int, seconds: int) -> datetime:
    delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if delta <= timedelta(0):
        raise ValueError("the duration must be more than zero")
    return now + delta


def _instant(text: str, tz: ZoneInfo) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (2h, 90m, 1h30m) nor an ISO 8601 time"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)  # a bare time is court-local
    return parsed.astimezone(UTC)
