"""The state value: ``until`` ends it with no "off"; its wire form; how it is followed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import REGISTRY

from services.common.clock import FixedClock, court_time_view
from services.common.events import new_event, topic_for
from services.common.maintenance.follower import (
    MaintenanceFollower,
    MaintenanceView,
    install_metrics,
)
from services.common.maintenance.schedule import WeeklySchedule
from services.common.maintenance.state import (
    EVENT_KEY,
    EVENT_TYPE,
    OFF,
    MaintenanceState,
    parse_until,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
NOON = datetime(2026, 3, 7, 20, 0, tzinfo=UTC)  # Saturday 12:00 PST


def forced(
    until: datetime, *, changed_at: datetime = NOON, reason: str = "upgrade"
) -> MaintenanceState:
    return MaintenanceState(
        active=True,
        reason=reason,
        started_at=changed_at,
        until=until,
        source="admin",
        set_by_account_id="3f1c6a56-0000-4000-8000-000000000001",
        changed_at=changed_at,
    )


def test_until_ends_the_window_without_an_off() -> None:
    clock = FixedClock(NOON)
    state = forced(NOON + timedelta(minutes=10))
    assert state.in_force(clock.now())
    assert state.seconds_left(clock.now()) == 600
    clock.advance(timedelta(minutes=9, seconds=59, milliseconds=500))
    assert state.in_force(clock.now())
    assert state.seconds_left(clock.now()) == 1  # rounded up: never "retry after 0"
    clock.advance(timedelta(milliseconds=500))
    assert not state.in_force(clock.now())  # at until exactly, the court is open again
    assert state.seconds_left(clock.now()) == 0
    assert state.active  # nobody said "off": until alone ended it


def test_an_active_state_without_until_is_never_in_force() -> None:
    assert not MaintenanceState(active=True).in_force(NOON)
    assert not OFF.in_force(NOON)


def test_the_event_round_trips_and_goes_to_the_compacted_topic() -> None:
    state = forced(NOON + timedelta(hours=2))
    message = state.to_event()
    back = MaintenanceState.from_event(message, changed_at=NOON)
    assert back == state
    assert MaintenanceState.from_event(OFF.to_event()) == OFF
    assert topic_for(EVENT_TYPE) == "platform.maintenance"
    assert EVENT_KEY == "court"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", NOON + timedelta(hours=2)),
        ("90m", NOON + timedelta(minutes=90)),
        ("1h30m", NOON + timedelta(minutes=90)),
        ("45s", NOON + timedelta(seconds=45)),
        ("1d", NOON + timedelta(days=1)),
        ("10M", NOON + timedelta(minutes=10)),
        ("2026-03-07T14:00:00-08:00", datetime(2026, 3, 7, 22, 0, tzinfo=UTC)),
        ("2026-03-07T22:00:00Z", datetime(2026, 3, 7, 22, 0, tzinfo=UTC)),
        # No offset: court-local time, PST or PDT as that date has it.
        ("2026-03-07T14:00", datetime(2026, 3, 7, 22, 0, tzinfo=UTC)),
        ("2026-07-11T14:00", datetime(2026, 7, 11, 21, 0, tzinfo=UTC)),
    ],
)
def test_until_is_a_duration_or_an_iso_time(text: str, expected: datetime) -> None:
    assert parse_until(text, now=NOON, tz=PACIFIC) == expected


@pytest.mark.parametrize("text", ["", "soon", "0m", "2 hours", "-1h", "2026-13-01"])
def test_bad_until_values_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_until(text, now=NOON, tz=PACIFIC)


@pytest.mark.parametrize("text", ["99999999999999999999h", "999999999d", "9999-12-31T23:00"])
def test_until_beyond_the_calendar_is_refused_in_words(text: str) -> None:
    # A ValueError the CLI and the edge say in one line, never an OverflowError.
    with pytest.raises(ValueError, match="is beyond the calendar"):
        parse_until(text, now=NOON, tz=PACIFIC)


def test_court_time_view_gives_utc_and_local() -> None:
    assert court_time_view(NOON, PACIFIC) == {
        "utc": "2026-03-07T20:00:00Z",
        "local": "2026-03-07T12:00:00-08:00",
    }


# -- following the topic -----------------------------------------------------------------------


@dataclass
class Record:
    value: bytes | None
    partition: int = 0


def record(state: MaintenanceState, *, partition: int = 0) -> Record:
    envelope = new_event(
        event_type=EVENT_TYPE,
        source="auth",
        subject=EVENT_KEY,
        payload=state.to_event(),
        occurred_at=state.changed_at,
    )
    return Record(envelope.SerializeToString(), partition)


def follow(view: MaintenanceView, *records: Record) -> None:
    follower = MaintenanceFollower(bootstrap="unused:9092", client_id="test", view=view)
    for item in records:
        follower._take(item)  # type: ignore[arg-type]
    follower._publish()


def test_the_follower_keeps_the_newest_state() -> None:
    view = MaintenanceView()
    on = forced(NOON + timedelta(minutes=10))
    off = MaintenanceState(active=False, source="admin", changed_at=NOON + timedelta(minutes=1))
    follow(view, record(on))
    assert view.state() == on
    follow(view, record(on), record(off))
    assert view.state() == off


def test_the_follower_ignores_garbage_and_other_types_and_honours_tombstones() -> None:
    view = MaintenanceView()
    on = forced(NOON + timedelta(minutes=10))
    other = new_event(
        event_type="auth.account_registered", source="auth", subject="x", payload=on.to_event()
    )
    follow(view, record(on), Record(b"\x00garbage"), Record(other.SerializeToString()))
    assert view.state() == on
    follow(view, record(on), Record(None))
    assert view.state() == OFF


def test_across_partitions_the_latest_change_wins() -> None:
    # One key keeps one partition; if the partition count ever changed, time still decides.
    view = MaintenanceView()
    older = forced(NOON + timedelta(hours=1), changed_at=NOON)
    newer = MaintenanceState(active=False, source="admin", changed_at=NOON + timedelta(seconds=5))
    follow(view, record(newer, partition=2), record(older, partition=0))
    assert view.state() == newer


def test_the_gauges_follow_the_view_and_the_clock() -> None:
    view = MaintenanceView()
    clock = FixedClock(datetime(2026, 3, 6, 23, 0, tzinfo=PACIFIC))  # Friday 23:00 PST
    schedule = WeeklySchedule(day=5, start=time(0), hours=5, tz=PACIFIC)
    install_metrics(schedule, view=view, clock=clock)
    try:
        assert REGISTRY.get_sample_value("openecf_maintenance_active") == 0
        assert REGISTRY.get_sample_value("openecf_maintenance_next_window_seconds") == 3600
        view.set(forced(clock.now() + timedelta(minutes=5), changed_at=clock.now()))
        assert REGISTRY.get_sample_value("openecf_maintenance_active") == 1
        clock.advance(timedelta(minutes=5))
        assert REGISTRY.get_sample_value("openecf_maintenance_active") == 0  # until passed
        clock.advance(timedelta(hours=1))
        assert REGISTRY.get_sample_value("openecf_maintenance_next_window_seconds") == 0
    finally:
        install_metrics(schedule, view=MaintenanceView(), clock=FixedClock(NOON))
