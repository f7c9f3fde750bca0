"""The weekly maintenance window, computed in the court's time zone (pure, no I/O).

A window is "day D at HH:MM court-local, for N hours" - by default Saturday 00:00 for 5 hours
in America/Los_Angeles. The start is a wall-clock reading turned into an instant with zoneinfo
for *that* date, so the window is 08:00-13:00 UTC in winter (PST) and 07:00-12:00 UTC in
summer (PDT), and a week that crosses a DST change (Sunday 02:00) simply has 167 or 169 hours
between two windows. The window then lasts exactly N elapsed hours. A start time that does not
exist (skipped by spring-forward) is read with the offset before the change (02:30 becomes
03:30 PDT); an ambiguous one (repeated by fall-back) is its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.common.settings import Settings

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Window:
    """One maintenance window: [start, end) as UTC instants."""

    start: datetime
    end: datetime

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end


@dataclass(frozen=True)
class WeeklySchedule:
    day: int  # Monday = 0 … Sunday = 6
    start: time
    hours: float
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if not 0 <= self.day <= 6:
            raise ValueError("day must be 0 (Monday) … 6 (Sunday)")
        if not 0 < self.hours <= 168:
            raise ValueError("a window lasts more than 0 and at most 168 hours")

    @classmethod
    def from_settings(cls, settings: Settings) -> WeeklySchedule:
        return cls(
            day=settings.maintenance_day,
            start=settings.maintenance_start,
            hours=settings.maintenance_hours,
            tz=settings.tz,
        )

    def describe(self) -> str:
        day = DAY_NAMES[self.day]
        return f"every {day} {self.start:%H:%M} for {self.hours:g} h, {self.tz.key}"

    def window_on(self, local_day: date) -> Window:
        """The window that starts on ``local_day`` (which must be the schedule's weekday)."""
        if local_day.weekday() != self.day:
            raise ValueError(f"{local_day} is not a {DAY_NAMES[self.day]}")
        start = _instant(datetime.combine(local_day, self.start), self.tz)
        return Window(start=start, end=start + timedelta(hours=self.hours))

    def _windows_around(self, when: datetime) -> list[Window]:
        # Every window starting within 8 days before and 15 days after ``when``'s local date:
        # one that is still open (at most 168 h long) and the next two are always among them.
        local_day = _aware(when).astimezone(self.tz).date()
        days = (local_day + timedelta(days=offset) for offset in range(-8, 16))
        return [self.window_on(day) for day in days if day.weekday() == self.day]

    def window_at(self, when: datetime) -> Window | None:
        """The scheduled window ``when`` falls in, or None."""
        when = _aware(when)
        for window in self._windows_around(when):
            if window.contains(when):
                return window
        return None

    def next_window(self, when: datetime) -> Window:
        """The first scheduled window that starts after ``when``."""
        when = _aware(when)
        return next(w for w in self._windows_around(when) if w.start > when)

    def next_windows(self, when: datetime, count: int) -> list[Window]:
        windows: list[Window] = []
        for _ in range(count):
            window = self.next_window(when)
            windows.append(window)
            when = window.start
        return windows

    def seconds_to_next(self, when: datetime) -> float:
        """Seconds until the next window starts; 0 while one is in progress."""
        if self.window_at(when) is not None:
            return 0.0
        return (self.next_window(when).start - _aware(when)).total_seconds()


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("the schedule needs an aware datetime")
    return when.astimezone(UTC)


def _instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """A court-local wall reading → its UTC instant (see the module note on gaps and folds)."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
