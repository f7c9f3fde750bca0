"""The court clock: every time is UTC inside, shown in court-local time outside.

Code asks ``clock.now()`` instead of ``datetime.now()`` so tests can set the time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


@dataclass(frozen=True)
class CourtTime:
    """One instant, in UTC and in the court's local time."""

    utc: datetime
    local: datetime

    @property
    def local_date(self) -> str:
        # The filing day is the court-local calendar day: 23:59:59 Pacific is still "today".
        return self.local.date().isoformat()

    @property
    def local_label(self) -> str:
        return self.local.strftime("%m/%d/%Y at %I:%M %p ") + (self.local.tzname() or "")


def court_time(when: datetime, tz: ZoneInfo) -> CourtTime:
    if when.tzinfo is None:
        raise ValueError("court_time needs an aware datetime")
    utc = when.astimezone(UTC)
    return CourtTime(utc=utc, local=utc.astimezone(tz))


def iso_utc(when: datetime) -> str:
    """``2026-03-07T20:00:00Z``: how the API writes an instant."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def court_time_view(when: datetime, tz: ZoneInfo) -> dict[str, str]:
    """``{"utc": …Z, "local": …-08:00}``: one instant in UTC and in court-local time."""
    moment = court_time(when, tz)
    return {"utc": iso_utc(moment.utc), "local": moment.local.isoformat()}


system_clock = SystemClock()
