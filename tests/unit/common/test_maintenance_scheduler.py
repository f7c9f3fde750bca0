"""The scheduler's decision (pure, injected clock) and the window the CronJob opens."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.auth.maintenance import OutsideWindow, decide, scheduled_window
from services.common.clock import FixedClock
from services.common.maintenance.schedule import WeeklySchedule
from services.common.maintenance.state import SCHEDULED_REASON, MaintenanceState

PACIFIC = ZoneInfo("America/Los_Angeles")
SATURDAY = WeeklySchedule(day=5, start=time(0), hours=5, tz=PACIFIC)


def pacific(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PACIFIC)


START, END = pacific("2026-03-07T00:00"), pacific("2026-03-07T05:00")


def scheduled(changed_at: datetime = START, until: datetime = END) -> MaintenanceState:
    return MaintenanceState(
        active=True,
        reason=SCHEDULED_REASON,
        started_at=changed_at,
        until=until,
        source="schedule",
        changed_at=changed_at,
    )


def admin_on(changed_at: datetime, until: datetime) -> MaintenanceState:
    return MaintenanceState(
        active=True,
        reason="database upgrade",
        started_at=changed_at,
        until=until,
        source="admin",
        changed_at=changed_at,
    )


def admin_off(changed_at: datetime) -> MaintenanceState:
    return MaintenanceState(active=False, source="admin", changed_at=changed_at)


@pytest.mark.parametrize(
    ("state", "now", "action"),
    [
        # The window starts: open it, whatever happened last week.
        (MaintenanceState(), START, "open"),
        (admin_off(pacific("2026-03-01T10:00")), START, "open"),
        (scheduled(pacific("2026-02-28T00:00"), pacific("2026-02-28T05:00")), START, "open"),
        # Opened already: nothing to do, every second of the window.
        (scheduled(), START, None),
        (scheduled(), pacific("2026-03-07T04:59:59"), None),
        # An administrator ended the window early: respected, not reopened a second later.
        (admin_off(pacific("2026-03-07T01:00")), pacific("2026-03-07T01:00:01"), None),
        # An administrator's window that covers the scheduled one is left alone…
        (admin_on(pacific("2026-03-06T22:00"), pacific("2026-03-07T08:00")), START, None),
        # …one that ends before the scheduled window does is extended to its end.
        (admin_on(pacific("2026-03-06T22:00"), pacific("2026-03-07T01:00")), START, "open"),
        # Forced during the window (shortened or lengthened): the administrator decides.
        (admin_on(pacific("2026-03-07T01:00"), pacific("2026-03-07T02:00")), START, None),
        (
            admin_on(pacific("2026-03-07T01:00"), pacific("2026-03-07T02:00")),
            pacific("2026-03-07T03:00"),
            None,
        ),
        # The window ends: close what the schedule opened, never an administrator's window.
        (scheduled(), END, "close"),
        (scheduled(), pacific("2026-03-09T12:00"), "close"),
        (admin_on(pacific("2026-03-07T04:00"), pacific("2026-03-07T07:00")), END, None),
        (MaintenanceState(), END, None),
        (admin_off(pacific("2026-03-07T01:00")), END, None),
        (MaintenanceState(), pacific("2026-03-06T23:59:59"), None),
    ],
)
def test_the_scheduler_decides(state: MaintenanceState, now: datetime, action: str | None) -> None:
    assert decide(state, SATURDAY, now) == action


def _apply(action: str | None, state: MaintenanceState, now: datetime) -> MaintenanceState:
    window = SATURDAY.window_at(now)
    if action == "open":
        assert window is not None
        return scheduled(changed_at=now, until=window.end)
    if action == "close":
        return MaintenanceState(active=False, source="schedule", changed_at=now)
    return state


@pytest.mark.parametrize("friday", ["2026-01-09", "2026-03-06", "2026-07-10", "2026-10-30"])
def test_ticking_every_second_opens_and_closes_on_time_once(friday: str) -> None:
    clock = FixedClock(pacific(f"{friday}T23:59:55"))
    state = MaintenanceState()
    actions: list[tuple[str, str]] = []
    while clock.now() < pacific(f"{friday}T23:59:55") + timedelta(hours=5, seconds=10):
        action = decide(state, SATURDAY, clock.now())
        if action:
            actions.append((action, clock.now().astimezone(PACIFIC).strftime("%a %H:%M:%S")))
        state = _apply(action, state, clock.now())
        clock.advance(timedelta(seconds=1))
    assert actions == [("open", "Sat 00:00:00"), ("close", "Sat 05:00:00")]


def test_the_cronjob_opens_the_window_in_progress_even_a_few_minutes_late() -> None:
    assert scheduled_window(SATURDAY, pacific("2026-03-07T00:03")).end == END
    assert scheduled_window(SATURDAY, pacific("2026-03-07T04:30")).end == END
    # A CronJob whose clock runs slightly ahead still opens the window about to start.
    assert scheduled_window(SATURDAY, pacific("2026-03-06T23:59")).start == START


def test_the_cronjob_refuses_outside_a_window() -> None:
    with pytest.raises(OutsideWindow, match="next one starts Sat 2026-03-07 00:00 PST"):
        scheduled_window(SATURDAY, pacific("2026-03-06T12:00"))
    with pytest.raises(OutsideWindow):
        scheduled_window(SATURDAY, datetime(2026, 3, 7, 13, 0, tzinfo=UTC))  # 05:00 PST
