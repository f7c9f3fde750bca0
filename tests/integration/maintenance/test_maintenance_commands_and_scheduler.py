"""``openecf maintenance`` against the real stack, and the stack's scheduler child process.

The test stack's weekly window is three days away (tests/support/stack.py), so the scheduler
child has nothing to open during the session; it must still end a window the schedule set
once that window is over, and otherwise write nothing, however often it checks.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import grpc
import psycopg
import pytest
from court.v1 import events_pb2, maintenance_pb2, maintenance_pb2_grpc
from support.cli import openecf

from services.auth import maintenance
from services.cli.maintenance import format_window
from services.common.maintenance.schedule import WeeklySchedule
from services.stack.supervisor import LocalStack


def _auth(database_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(database_url, options="-c search_path=auth", autocommit=True)


def _history_count(database_url: str) -> int:
    with _auth(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM maintenance_history").fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def leave_open(stack: LocalStack) -> Any:
    yield
    off = openecf(stack, "maintenance", "off")
    assert off.returncode == 0, off.stderr


def test_status_and_next_describe_the_state_and_the_schedule(stack: LocalStack) -> None:
    status = openecf(stack, "maintenance", "status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0] == "maintenance: off"
    schedule = WeeklySchedule.from_settings(stack.settings)
    window = schedule.next_window(datetime.now(UTC))
    assert lines[1] == f"next scheduled window ({schedule.describe()}):"
    assert lines[2:4] == format_window(window, schedule)
    assert lines[3].startswith("  UTC      ")

    upcoming = openecf(stack, "maintenance", "next", "--count", "3")
    assert upcoming.returncode == 0, upcoming.stderr
    assert len(upcoming.stdout.splitlines()) == 1 + 3 * 2


def test_forcing_through_the_command_and_reading_it_over_grpc(
    stack: LocalStack, database_url: str, leave_open: None
) -> None:
    on = openecf(stack, "maintenance", "on", "--until", "30m", "--reason", "disk swap")
    assert on.returncode == 0, on.stderr
    assert "reason:  disk swap" in on.stdout
    status = openecf(stack, "maintenance", "status")
    assert status.stdout.startswith("maintenance: ON (set by an administrator)")
    assert "left" in status.stdout

    # MaintenanceService answers from auth's own table, and is never gated.
    with grpc.insecure_channel(stack.settings.grpc_addr("auth")) as channel:
        reply = maintenance_pb2_grpc.MaintenanceServiceStub(channel).GetMaintenanceStatus(
            maintenance_pb2.GetMaintenanceStatusRequest(), timeout=5
        )
        refused = None
        try:
            maintenance_pb2_grpc.MaintenanceServiceStub(channel).SetMaintenance(
                maintenance_pb2.SetMaintenanceRequest(active=False), timeout=5
            )
        except grpc.RpcError as error:
            refused = error.code()  # type: ignore[attr-defined]
    assert reply.status.active and reply.status.reason == "disk swap"
    assert reply.status.source == events_pb2.MAINTENANCE_SOURCE_ADMIN
    left = reply.status.until.ToDatetime(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    assert reply.status.next_window_start.ToDatetime(tzinfo=UTC) > datetime.now(UTC)
    assert refused == grpc.StatusCode.UNAUTHENTICATED  # only an administrator may set it

    # The CronJob's "off" never ends an administrator's window.
    scheduled_off = openecf(stack, "maintenance", "off", "--scheduled")
    assert scheduled_off.returncode == 0, scheduled_off.stderr
    assert "left on: an administrator forced this window" in scheduled_off.stdout
    with _auth(database_url) as conn:
        assert maintenance.current(conn).in_force(datetime.now(UTC))


def test_the_cronjob_on_refuses_clearly_outside_the_window(stack: LocalStack) -> None:
    outside = openecf(stack, "maintenance", "on", "--scheduled")
    assert outside.returncode == 1
    assert "not inside a scheduled maintenance window" in outside.stderr
    assert "the next one starts" in outside.stderr
    bad = openecf(stack, "maintenance", "on", "--until", "whenever")
    assert bad.returncode == 2
    assert "--until: 'whenever' is neither a duration" in bad.stderr
    # The court's own rules refuse these: bad arguments all the same (exit status 2).
    past = openecf(stack, "maintenance", "on", "--until", "2020-01-01T00:00")
    assert (past.returncode, past.stderr) == (
        2,
        "openecf: validation_failed: until must be in the future\n",
    )
    too_long = openecf(stack, "maintenance", "on", "--until", "8d")
    assert (too_long.returncode, too_long.stderr) == (
        2,
        "openecf: validation_failed: a forced maintenance window may last at most 7 days\n",
    )
    escapes = openecf(
        stack, "maintenance", "on", "--until", "2h", "--reason", "a\x1b[2J\x1b[31mRED\u202eevil"
    )
    assert (escapes.returncode, escapes.stdout) == (2, "")
    assert escapes.stderr == (
        "openecf: invalid_text: reason must not contain control or invisible formatting"
        " characters (found U+001B)\n"
    )
    assert "maintenance: off" in openecf(stack, "maintenance", "status").stdout
    neither = openecf(stack, "maintenance", "on")
    assert neither.returncode == 2  # argparse: one of --until / --scheduled is required


def test_the_scheduler_child_runs_and_ends_a_schedule_window_that_is_over(
    stack: LocalStack, database_url: str, leave_open: None
) -> None:
    child = stack.children["scheduler"].process
    assert child is not None and child.poll() is None
    log = (stack.log_dir / "scheduler.log").read_text()
    assert '"msg": "maintenance scheduler started"' in log

    # Nothing to do outside the window: checking every second writes nothing.
    before = _history_count(database_url)
    once = openecf(stack, "maintenance", "scheduler", "--once")
    assert once.returncode == 0, once.stderr
    time.sleep(2.5)
    assert _history_count(database_url) == before

    # A window the schedule opened (here: from a schedule whose window is now) that the stack's
    # own schedule says is over: the scheduler child closes it within a couple of checks…
    now = datetime.now(UTC)
    local = now.astimezone(stack.settings.tz)
    elsewhere = WeeklySchedule(
        day=local.weekday(),
        start=clock_time(local.hour),
        hours=2,
        tz=stack.settings.tz,
    )
    with _auth(database_url) as conn, conn.transaction():
        opened = maintenance.open_scheduled(conn, elsewhere, now=now, set_by="test")
    assert opened.changed and opened.state.source == "schedule"
    deadline = time.monotonic() + 5
    while True:
        with _auth(database_url) as conn:
            state = maintenance.current(conn)
            last = maintenance.history(conn, limit=1)[0]
        if not state.active:
            break
        assert time.monotonic() < deadline, "the scheduler did not close the window"
        time.sleep(0.2)
    assert (last["set_by"], last["source"], last["active"]) == ("scheduler", "schedule", False)

    # …exactly once.
    settled = _history_count(database_url)
    time.sleep(2.5)
    assert _history_count(database_url) == settled
    assert child.poll() is None
