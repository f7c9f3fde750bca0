"""``openecf technical-failures list|record|confirm|dismiss|propose``: the court's record of
unscheduled outages, written through auth's own module on auth's connection (like
``openecf maintenance``). Times without an offset are court-local.

- ``record --start T --end T --unavailable WHAT [--note TEXT]``: an administrator's record
  (confirmed at once; public from then on).
- ``list [--all]``: the confirmed outages (``--all``: proposed and dismissed too).
- ``confirm ID`` / ``dismiss ID``: decide a proposal.
- ``propose``: run the proposal job now (auth runs it after every availability probe).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from services.cli.context import cli_settings

_FORMAT = "%Y-%m-%d %H:%M %Z"


def register(commands: Any) -> None:
    actions = commands.add_parser(
        "technical-failures", help="the record of unscheduled outages"
    ).add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="confirmed outages, newest first")
    listing.add_argument("--all", action="store_true", help="proposed and dismissed ones too")
    listing.set_defaults(run=_list)
    record = actions.add_parser("record", help="record an outage (confirmed)")
    record.add_argument("--start", required=True, help="ISO 8601; court-local without offset")
    record.add_argument("--end", required=True, help="ISO 8601; court-local without offset")
    record.add_argument("--unavailable", required=True, help="what was unavailable")
    record.add_argument("--note", default="")
    record.set_defaults(run=_record)
    for action, confirm in (("confirm", True), ("dismiss", False)):
        decide = actions.add_parser(action, help=f"{action} a proposed outage")
        decide.add_argument("failure_id")
        decide.set_defaults(run=_decide, confirm=confirm)
    propose = actions.add_parser("propose", help="turn observed failures into proposals now")
    propose.set_defaults(run=_propose)


def _time(text: str, option: str) -> datetime:
    from services.cli.main import UsageError

    try:
        parsed = datetime.fromisoformat(text.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=cli_settings().tz)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise UsageError(f"{option}: {text!r} is not an ISO 8601 time") from None


def _line(failure: Any) -> str:
    tz = cli_settings().tz
    start = failure.started_at.astimezone(tz).strftime(_FORMAT)
    end = failure.ended_at.astimezone(tz).strftime(_FORMAT)
    note = f" ({failure.note})" if failure.note else ""
    return f"{failure.failure_id} {failure.status}: {start} to {end}, {failure.unavailable}{note}"


def _list(args: argparse.Namespace) -> int:
    from services.auth import direct, technical_failures

    with direct.connect(cli_settings().require_database_url()) as conn:
        found = technical_failures.listing(conn, include_proposed=args.all)
    for failure in found:
        print(_line(failure))
    if not found:
        print("no technical failures recorded")
    return 0


def _record(args: argparse.Namespace) -> int:
    from services.auth import direct, technical_failures

    with direct.connect(cli_settings().require_database_url()) as conn, conn.transaction():
        failure = technical_failures.record(
            conn,
            started_at=_time(args.start, "--start"),
            ended_at=_time(args.end, "--end"),
            unavailable=args.unavailable,
            note=args.note,
            admin_id=None,
            now=datetime.now(UTC),
        )
    print("recorded " + _line(failure))
    return 0


def _decide(args: argparse.Namespace) -> int:
    from services.auth import direct, technical_failures

    with direct.connect(cli_settings().require_database_url()) as conn, conn.transaction():
        failure = technical_failures.decide(
            conn,
            failure_id=args.failure_id,
            confirm=args.confirm,
            unavailable="",
            note="",
            admin_id=None,
            now=datetime.now(UTC),
        )
    print(_line(failure))
    return 0


def _propose(args: argparse.Namespace) -> int:
    from services.auth import direct, technical_failures
    from services.auth.availability import proposal_join

    settings = cli_settings()
    threshold = timedelta(minutes=settings.technical_failure_threshold_minutes)
    with direct.connect(settings.require_database_url()) as conn, conn.transaction():
        proposed = technical_failures.propose(
            conn, threshold=threshold, join=proposal_join(settings), now=datetime.now(UTC)
        )
    for failure in proposed:
        print("proposed " + _line(failure))
    if not proposed:
        print("nothing new to propose")
    return 0
