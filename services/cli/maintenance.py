"""``openecf maintenance status|on|off|next|scheduler``: read or force the maintenance window.

The command writes auth's maintenance state directly (like ``openecf account create``), so it
needs only the database (``OPENECF_DATABASE_URL``, or the local stack's); every change goes
out through auth's outbox, and every process follows it within a couple of seconds.

- ``on --until 2h --reason TEXT`` / ``off``: an administrator forces the window.
- ``on --scheduled`` / ``off --scheduled``: what the Kubernetes CronJobs run at the window's
  start and end. ``on`` closes the court until the end of the scheduled window open now (and
  refuses outside one); ``off`` ends only a window the schedule opened.
- ``next``: the next scheduled window(s) in court-local time and UTC (no database needed).
- ``scheduler``: the local stack's stand-in for the CronJobs, checking every second.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.cli.arguments import seconds, whole_number
from services.cli.context import cli_settings
from services.common.clock import Clock, system_clock
from services.common.maintenance.schedule import WeeklySchedule, Window
from services.common.maintenance.state import MaintenanceState, parse_until
from services.common.settings import Settings
from services.common.shutdown import stop_on_signals

if TYPE_CHECKING:
    from psycopg import Connection

log = logging.getLogger(__name__)
_FORMAT = "%a %Y-%m-%d %H:%M %Z"
_ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def register(commands: Any) -> None:
    """Add ``maintenance`` and its actions to the ``openecf`` parser's subcommands."""
    actions = commands.add_parser(
        "maintenance", help="read or force the maintenance window"
    ).add_subparsers(dest="action", required=True)

    status = actions.add_parser("status", help="the maintenance state now and the next window")
    status.set_defaults(run=_status)

    on = actions.add_parser("on", help="close the court for maintenance")
    when = on.add_mutually_exclusive_group(required=True)
    when.add_argument("--until", help="ISO 8601 time (court-local without an offset) or 2h, 90m")
    when.add_argument(
        "--scheduled",
        action="store_true",
        help="open the scheduled window in progress, until its end (the CronJob)",
    )
    on.add_argument("--reason", default="", help="shown to users during the window")
    on.set_defaults(run=_on)

    off = actions.add_parser("off", help="open the court again")
    off.add_argument(
        "--scheduled",
        action="store_true",
        help="end only a window the schedule opened, never an administrator's (the CronJob)",
    )
    off.set_defaults(run=_off)

    upcoming = actions.add_parser("next", help="the next scheduled window(s)")
    upcoming.add_argument(
        "--count", type=whole_number(1, 52), default=1, help="how many windows to list (1-52)"
    )
    upcoming.add_argument("--after", default="", help="list windows after this ISO 8601 time")
    upcoming.set_defaults(run=_next)

    scheduler = actions.add_parser(
        "scheduler", help="open and close the scheduled window on time (the local stack)"
    )
    scheduler.add_argument(
        "--interval", type=seconds(0.1, 3600), default=1.0, help="seconds between checks"
    )
    scheduler.add_argument("--once", action="store_true", help="check once and exit")
    scheduler.set_defaults(run=_scheduler)


# -- formatting ------------------------------------------------------------------------------


def _zone_label(schedule: WeeklySchedule) -> str:
    return "Pacific" if schedule.tz.key == "America/Los_Angeles" else schedule.tz.key


def format_window(window: Window, schedule: WeeklySchedule) -> list[str]:
    label = _zone_label(schedule)
    width = max(len(label), 3)
    return [
        f"  {name:<{width}}  {window.start.astimezone(zone):{_FORMAT}}"
        f" to {window.end.astimezone(zone):{_FORMAT}}"
        for name, zone in ((label, schedule.tz), ("UTC", UTC))
    ]


def _when(moment: datetime, schedule: WeeklySchedule) -> str:
    return f"{moment.astimezone(schedule.tz):{_FORMAT}} ({moment.astimezone(UTC):{_ISO_UTC}})"


def _left(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def describe_state(state: MaintenanceState, schedule: WeeklySchedule, now: datetime) -> list[str]:
    if state.in_force(now) and state.until is not None:
        by = "the schedule" if state.source == "schedule" else "an administrator"
        lines = [
            f"maintenance: ON (set by {by})",
            f"  reason:  {state.reason}",
            f"  until:   {_when(state.until, schedule)} — {_left(state.seconds_left(now))} left",
        ]
        if state.started_at is not None:
            lines.append(f"  since:   {_when(state.started_at, schedule)}")
        return lines
    if state.active and state.until is not None:
        return [f"maintenance: off (the window ended by itself at {_when(state.until, schedule)})"]
    return ["maintenance: off"]


# -- the database ----------------------------------------------------------------------------


@contextmanager
def _auth_db(settings: Settings) -> Iterator[Connection[Any]]:
    from services.auth import direct

    with direct.connect(settings.require_database_url(), autocommit=True) as conn:
        yield conn


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # a container user with no passwd entry
        return "cli"


# -- the actions -----------------------------------------------------------------------------


def _status(args: argparse.Namespace, clock: Clock = system_clock) -> int:
    from services.auth import maintenance

    settings = cli_settings()
    schedule = WeeklySchedule.from_settings(settings)
    with _auth_db(settings) as conn:
        state = maintenance.current(conn)
    now = clock.now()
    for line in describe_state(state, schedule, now):
        print(line)
    print(f"next scheduled window ({schedule.describe()}):")
    for line in format_window(schedule.next_window(now), schedule):
        print(line)
    return 0


def _on(args: argparse.Namespace, clock: Clock = system_clock) -> int:
    from services.auth import maintenance

    settings = cli_settings()
    schedule = WeeklySchedule.from_settings(settings)
    now = clock.now()
    until = None
    if not args.scheduled:  # a bad --until is said before any database is needed
        try:
            until = parse_until(args.until, now=now, tz=schedule.tz)
        except ValueError as exc:
            print(f"openecf: --until: {exc}", file=sys.stderr)
            return 2
    with _auth_db(settings) as conn, conn.transaction():
        if until is None:
            try:
                change = maintenance.open_scheduled(
                    conn, schedule, now=now, set_by=f"schedule ({_operator()})"
                )
            except maintenance.OutsideWindow as exc:
                print(f"openecf: {exc}", file=sys.stderr)
                return 1
        else:
            change = maintenance.force_on(
                conn, until=until, reason=args.reason, set_by=_operator(), now=now
            )
    print(change.message if not change.changed else "maintenance: ON")
    for line in describe_state(change.state, schedule, now)[1:]:
        print(line)
    return 0


def _off(args: argparse.Namespace, clock: Clock = system_clock) -> int:
    from services.auth import maintenance

    settings = cli_settings()
    now = clock.now()
    with _auth_db(settings) as conn, conn.transaction():
        if args.scheduled:
            change = maintenance.close_scheduled(conn, now=now, set_by=f"schedule ({_operator()})")
        else:
            change = maintenance.force_off(conn, set_by=_operator(), now=now)
    print("maintenance: off" if change.changed else change.message)
    return 0


def _next(args: argparse.Namespace, clock: Clock = system_clock) -> int:
    settings = cli_settings()
    schedule = WeeklySchedule.from_settings(settings)
    after = clock.now()
    if args.after:
        try:
            after = parse_until(args.after, now=after, tz=schedule.tz)
        except ValueError as exc:
            print(f"openecf: --after: {exc}", file=sys.stderr)
            return 2
    try:  # before the header: nothing on stdout when --after is refused
        windows = schedule.next_windows(after, args.count)
    except OverflowError:  # the windows around 0001-01-01 or 9999-12-31 leave the calendar
        print(f"openecf: --after: {args.after!r} is too near the calendar's ends", file=sys.stderr)
        return 2
    print(f"next maintenance window{'s' if args.count > 1 else ''} ({schedule.describe()}):")
    for window in windows:
        for line in format_window(window, schedule):
            print(line)
    return 0


def run_scheduler(
    settings: Settings,
    *,
    stop: threading.Event,
    interval: float = 1.0,
    once: bool = False,
    clock: Clock = system_clock,
    on_change: Callable[[str], None] | None = None,
) -> None:
    """Check every ``interval`` seconds: open the scheduled window when it starts, close it
    when it ends (``maintenance.tick``, idempotent). A database outage is waited out."""
    import psycopg

    from services.auth import direct, maintenance

    schedule = WeeklySchedule.from_settings(settings)
    url = settings.require_database_url()
    log.info("maintenance scheduler started", extra={"schedule": schedule.describe()})
    conn: Connection[Any] | None = None
    try:
        while True:
            try:
                if conn is None or conn.closed:
                    conn = direct.connect(url, autocommit=True)
                with conn.transaction():
                    change = maintenance.tick(conn, schedule, now=clock.now())
                if change is not None and change.changed:
                    log.info(change.message, extra={"until": str(change.state.until or "")})
                    if on_change:
                        on_change(change.message)
            except psycopg.Error as exc:
                log.warning("scheduler check failed, will retry", extra={"error": repr(exc)})
                if conn is not None:
                    conn.close()
                conn = None
            if once or stop.wait(interval):
                return
    finally:
        if conn is not None:
            conn.close()
        log.info("maintenance scheduler stopped")


def _scheduler(args: argparse.Namespace) -> int:
    from services.common.logs import configure_logging

    settings = cli_settings()
    configure_logging("scheduler", settings.log_level)
    stop = threading.Event()
    stop_on_signals(stop)
    run_scheduler(settings, stop=stop, interval=args.interval, once=args.once)
    return 0
