"""The maintenance state, owned by auth: read it, change it, decide what the schedule wants.

Every change locks the one state row, updates it, appends to the history and enqueues
``platform.maintenance_changed`` (key ``court``) in the caller's transaction, so the state in
PostgreSQL and the one on the compacted topic never disagree. Changes are serialised by the
row lock, so the outbox publishes them in the order they happened.

Who may change it: an administrator (``force_on`` / ``force_off``, through the API or the
``openecf maintenance on|off`` command) and the schedule (``open_scheduled`` /
``close_scheduled``: the Kubernetes CronJobs, and ``tick`` for the local stack's scheduler).
The schedule never ends a window an administrator forced.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from psycopg import Connection

from services.common.errors import CourtError
from services.common.events import new_event
from services.common.maintenance.schedule import WeeklySchedule, Window
from services.common.maintenance.state import (
    DEFAULT_REASON,
    EVENT_KEY,
    EVENT_TYPE,
    SCHEDULED_REASON,
    MaintenanceState,
)
from services.common.outbox import enqueue
from services.common.text import clean

log = logging.getLogger(__name__)

MAX_FORCED = timedelta(days=7)  # a forced window ends within a week, whatever was typed
MAX_REASON = 500
# A CronJob whose clock runs a little ahead may start just before the window: still fine.
EARLY_START_TOLERANCE = timedelta(minutes=2)

_COLUMNS = "active, reason, started_at, until, source, set_by_account_id::text, changed_at"


@dataclass(frozen=True)
class Change:
    """The outcome of a request to change the state: whether it changed, and why not."""

    changed: bool
    state: MaintenanceState
    message: str


class OutsideWindow(Exception):
    """``on --scheduled`` when no scheduled window is open (nor about to open)."""


def current(conn: Connection[Any], *, lock: bool = False) -> MaintenanceState:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM maintenance_state WHERE id = 1" + (" FOR UPDATE" if lock else "")
    ).fetchone()
    if row is None:  # the migration inserts the row; be safe anyway
        return MaintenanceState()
    active, reason, started_at, until, source, account_id, changed_at = row
    return MaintenanceState(
        active=active,
        reason=reason,
        started_at=started_at,
        until=until,
        source=source or "",
        set_by_account_id=account_id or "",
        changed_at=changed_at,
    )


def history(conn: Connection[Any], *, limit: int = 20) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT active, reason, started_at, until, source, set_by, changed_at"
        " FROM maintenance_history ORDER BY id DESC LIMIT %s",
        [limit],
    ).fetchall()
    keys = ("active", "reason", "started_at", "until", "source", "set_by", "changed_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _write(conn: Connection[Any], state: MaintenanceState, *, set_by: str) -> MaintenanceState:
    envelope = new_event(
        event_type=EVENT_TYPE,
        source="auth",
        subject=EVENT_KEY,
        payload=state.to_event(),
        occurred_at=state.changed_at,
    )
    values = [
        state.active,
        state.reason,
        state.started_at,
        state.until,
        state.source,
        set_by,
        state.set_by_account_id or None,
        state.changed_at,
    ]
    conn.execute(
        "UPDATE maintenance_state SET active = %s, reason = %s, started_at = %s, until = %s,"
        " source = %s, set_by = %s, set_by_account_id = %s, changed_at = %s WHERE id = 1",
        values,
    )
    conn.execute(
        "INSERT INTO maintenance_history (active, reason, started_at, until, source, set_by,"
        " set_by_account_id, changed_at, event_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [*values, envelope.event_id],
    )
    enqueue(conn, envelope)
    log.info(
        "maintenance state set",
        extra={
            "active": state.active,
            "until": state.until.isoformat() if state.until else "",
            "source": state.source,
            "set_by": set_by,
        },
    )
    return state


# -- an administrator ------------------------------------------------------------------------


def force_on(
    conn: Connection[Any],
    *,
    until: datetime,
    reason: str,
    set_by: str,
    now: datetime,
    account_id: str = "",
) -> Change:
    """Close the court until ``until`` (in the future, at most 7 days ahead)."""
    if until.tzinfo is None:
        raise CourtError("validation_failed", "until needs a time zone", details={"field": "until"})
    if until <= now:
        raise CourtError(
            "validation_failed", "until must be in the future", details={"field": "until"}
        )
    if until - now > MAX_FORCED:
        raise CourtError(
            "validation_failed",
            "a forced maintenance window may last at most 7 days",
            details={"field": "until"},
        )
    # The banner's one line: runs of spaces and line breaks become one space; an escape
    # sequence or a bidi override is refused (invalid_text), as in any name or title.
    reason = clean(" ".join(reason.split()), field="reason", max_length=MAX_REASON, required=False)
    old = current(conn, lock=True)
    state = MaintenanceState(
        active=True,
        reason=reason or DEFAULT_REASON,
        started_at=old.started_at if old.in_force(now) else now,
        until=until,
        source="admin",
        set_by_account_id=account_id,
        changed_at=now,
    )
    return Change(True, _write(conn, state, set_by=set_by), "maintenance forced on")


def force_off(conn: Connection[Any], *, set_by: str, now: datetime, account_id: str = "") -> Change:
    """Open the court now, whoever closed it (an administrator's word is final)."""
    old = current(conn, lock=True)
    if not old.active:
        return Change(False, old, "maintenance is already off")
    state = MaintenanceState(
        active=False, source="admin", set_by_account_id=account_id, changed_at=now
    )
    return Change(True, _write(conn, state, set_by=set_by), "maintenance turned off")


# -- the schedule ----------------------------------------------------------------------------


def scheduled_window(schedule: WeeklySchedule, now: datetime) -> Window:
    """The window ``on --scheduled`` opens: the one open now, or one about to open."""
    window = schedule.window_at(now)
    if window is not None:
        return window
    upcoming = schedule.next_window(now)
    if upcoming.start - now <= EARLY_START_TOLERANCE:
        return upcoming
    raise OutsideWindow(
        f"not inside a scheduled maintenance window ({schedule.describe()}); "
        f"the next one starts {upcoming.start.astimezone(schedule.tz):%a %Y-%m-%d %H:%M %Z}"
    )


def open_scheduled(
    conn: Connection[Any], schedule: WeeklySchedule, *, now: datetime, set_by: str = "schedule"
) -> Change:
    """Open the scheduled window until its end (idempotent; what the Saturday CronJob runs)."""
    window = scheduled_window(schedule, now)
    old = current(conn, lock=True)
    if old.in_force(now) and old.until is not None and old.until >= window.end:
        who = "the schedule" if old.source == "schedule" else "an administrator"
        return Change(False, old, f"already closed by {who} until {old.until.isoformat()}")
    state = MaintenanceState(
        active=True,
        reason=SCHEDULED_REASON,
        started_at=old.started_at if old.in_force(now) else now,
        until=window.end,
        source="schedule",
        changed_at=now,
    )
    return Change(True, _write(conn, state, set_by=set_by), "scheduled window opened")


def close_scheduled(conn: Connection[Any], *, now: datetime, set_by: str = "schedule") -> Change:
    """End a window the schedule opened; leave a window an administrator forced."""
    old = current(conn, lock=True)
    if not old.active:
        return Change(False, old, "maintenance is already off")
    if old.source != "schedule":
        until = old.until.isoformat() if old.until else "?"
        return Change(False, old, f"left on: an administrator forced this window (until {until})")
    state = MaintenanceState(active=False, source="schedule", changed_at=now)
    return Change(True, _write(conn, state, set_by=set_by), "scheduled window closed")


Action = Literal["open", "close"]


def decide(state: MaintenanceState, schedule: WeeklySchedule, now: datetime) -> Action | None:
    """What the scheduler should do now (pure; called every second, so it must settle).

    Inside a scheduled window: open it, unless someone already acted during this window (the
    scheduler itself, or an administrator who ended it early — respected) or a window already
    in force covers it. Outside: close a state the schedule set; leave everything else.
    """
    window = schedule.window_at(now)
    if window is not None:
        if state.changed_at is not None and state.changed_at >= window.start:
            return None
        if state.in_force(now) and state.until is not None and state.until >= window.end:
            return None
        return "open"
    if state.active and state.source == "schedule":
        return "close"
    return None


def tick(
    conn: Connection[Any], schedule: WeeklySchedule, *, now: datetime, set_by: str = "scheduler"
) -> Change | None:
    """One scheduler step, in the caller's transaction: decide under the row lock, act."""
    action = decide(current(conn, lock=True), schedule, now)
    if action == "open":
        return open_scheduled(conn, schedule, now=now, set_by=set_by)
    if action == "close":
        return close_scheduled(conn, now=now, set_by=set_by)
    return None
