"""The weekly window at its edges, in PST and PDT, and across the DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.common.maintenance.schedule import WeeklySchedule
from services.common.settings import Settings

PACIFIC = ZoneInfo("America/Los_Angeles")
SATURDAY = WeeklySchedule(day=5, start=time(0, 0), hours=5, tz=PACIFIC)


def pacific(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PACIFIC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (Friday, Saturday) of: a winter week, a summer week, the weekend before spring-forward
# (Sunday 2026-03-08 02:00) and the weekend before fall-back (Sunday 2026-11-01 02:00).
WEEKENDS = [
    ("2026-01-09", "2026-01-10", "PST"),
    ("2026-07-10", "2026-07-11", "PDT"),
    ("2026-03-06", "2026-03-07", "PST"),
    ("2026-10-30", "2026-10-31", "PDT"),
]


@pytest.mark.parametrize(("friday", "saturday", "zone"), WEEKENDS)
@pytest.mark.parametrize(
    ("day", "clock", "closed"),
    [
        ("friday", "23:59:59", False),
        ("saturday", "00:00:00", True),
        ("saturday", "02:30:00", True),
        ("saturday", "04:59:59", True),
        ("saturday", "05:00:00", False),
    ],
)
def test_the_window_at_its_edges(
    friday: str, saturday: str, zone: str, day: str, clock: str, closed: bool
) -> None:
    when = pacific(f"{friday if day == 'friday' else saturday}T{clock}")
    assert when.tzname() == zone
    assert (SATURDAY.window_at(when) is not None) is closed
    # One microsecond either side of each edge changes nothing but at the edge itself.
    if clock == "00:00:00":
        assert SATURDAY.window_at(when - timedelta(microseconds=1)) is None
    if clock == "05:00:00":
        assert SATURDAY.window_at(when - timedelta(microseconds=1)) is not None


@pytest.mark.parametrize(
    ("saturday", "start_utc", "end_utc"),
    [
        ("2026-01-10", "2026-01-10T08:00", "2026-01-10T13:00"),  # PST: UTC-8
        ("2026-07-11", "2026-07-11T07:00", "2026-07-11T12:00"),  # PDT: UTC-7
        ("2026-03-07", "2026-03-07T08:00", "2026-03-07T13:00"),  # still PST that Saturday
        ("2026-10-31", "2026-10-31T07:00", "2026-10-31T12:00"),  # still PDT that Saturday
    ],
)
def test_the_window_in_utc_follows_the_court_offset(
    saturday: str, start_utc: str, end_utc: str
) -> None:
    window = SATURDAY.window_at(pacific(f"{saturday}T01:00"))
    assert window is not None
    assert (window.start, window.end) == (utc(start_utc), utc(end_utc))


def test_next_window_across_spring_forward() -> None:
    # After the 2026-03-07 window (PST) the next is 2026-03-14 00:00 PDT: 167 hours later.
    after = pacific("2026-03-07T05:00")
    upcoming = SATURDAY.next_window(after)
    assert upcoming.start == utc("2026-03-14T07:00")
    assert upcoming.start.astimezone(PACIFIC).isoformat() == "2026-03-14T00:00:00-07:00"
    assert upcoming.end.astimezone(PACIFIC).isoformat() == "2026-03-14T05:00:00-07:00"
    assert upcoming.start - utc("2026-03-07T08:00") == timedelta(hours=167)


def test_next_window_across_fall_back() -> None:
    after = pacific("2026-10-31T12:00")
    upcoming = SATURDAY.next_window(after)
    assert upcoming.start.astimezone(PACIFIC).isoformat() == "2026-11-07T00:00:00-08:00"
    assert upcoming.start == utc("2026-11-07T08:00")
    assert upcoming.start - utc("2026-10-31T07:00") == timedelta(hours=169)


def test_next_window_from_before_during_and_at_the_start() -> None:
    friday_night = pacific("2026-01-09T23:00")
    assert SATURDAY.next_window(friday_night).start == utc("2026-01-10T08:00")
    # During a window (or at its very start) the next one is the following week's.
    assert SATURDAY.next_window(pacific("2026-01-10T00:00")).start == utc("2026-01-17T08:00")
    assert SATURDAY.next_window(pacific("2026-01-10T03:00")).start == utc("2026-01-17T08:00")
    starts = [w.start for w in SATURDAY.next_windows(pacific("2026-02-27T12:00"), 3)]
    assert [s.astimezone(PACIFIC).isoformat() for s in starts] == [
        "2026-02-28T00:00:00-08:00",
        "2026-03-07T00:00:00-08:00",
        "2026-03-14T00:00:00-07:00",
    ]


def test_seconds_to_next_window() -> None:
    assert SATURDAY.seconds_to_next(pacific("2026-01-09T23:00")) == 3600
    assert SATURDAY.seconds_to_next(pacific("2026-01-10T01:00")) == 0
    assert SATURDAY.seconds_to_next(pacific("2026-01-10T05:00")) == 7 * 24 * 3600 - 5 * 3600


def test_the_schedule_comes_from_settings() -> None:
    settings = Settings(
        maintenance_day=2,
        maintenance_start=time(22, 30),
        maintenance_hours=1.5,
        court_timezone="America/New_York",
    )
    schedule = WeeklySchedule.from_settings(settings)
    window = schedule.next_window(datetime(2026, 1, 5, tzinfo=UTC))  # a Monday
    assert window.start.astimezone(schedule.tz).isoformat() == "2026-01-07T22:30:00-05:00"
    assert window.end - window.start == timedelta(hours=1.5)
    assert schedule.describe() == "every Wednesday 22:30 for 1.5 h, America/New_York"


def test_a_start_time_the_clocks_skip_or_repeat_is_still_one_real_window() -> None:
    # Sunday 02:30 does not exist on 2026-03-08: the window starts when the clock jumps past it.
    skipped = WeeklySchedule(day=6, start=time(2, 30), hours=1, tz=PACIFIC)
    window = skipped.window_at(utc("2026-03-08T10:45"))
    assert window is not None
    assert window.start.astimezone(PACIFIC).isoformat() == "2026-03-08T03:30:00-07:00"
    assert window.end - window.start == timedelta(hours=1)
    # Sunday 01:30 happens twice on 2026-11-01: the first one (PDT) counts.
    repeated = WeeklySchedule(day=6, start=time(1, 30), hours=1, tz=PACIFIC)
    window = repeated.next_window(utc("2026-10-31T12:00"))
    assert window.start == utc("2026-11-01T08:30")
    assert window.end - window.start == timedelta(hours=1)


def test_a_week_long_window_is_always_open() -> None:
    always = WeeklySchedule(day=5, start=time(0), hours=168, tz=PACIFIC)
    for hour in range(0, 24 * 8, 5):
        assert always.window_at(utc("2026-03-01T00:00") + timedelta(hours=hour)) is not None


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        SATURDAY.window_at(datetime(2026, 1, 10, 1))  # naive
    with pytest.raises(ValueError):
        WeeklySchedule(day=7, start=time(0), hours=5, tz=PACIFIC)
    with pytest.raises(ValueError):
        WeeklySchedule(day=5, start=time(0), hours=0, tz=PACIFIC)
    with pytest.raises(ValueError):
        SATURDAY.window_on(datetime(2026, 1, 9).date())  # a Friday
