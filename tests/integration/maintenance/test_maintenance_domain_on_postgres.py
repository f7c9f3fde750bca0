"""The maintenance state in real PostgreSQL: every change with its history row and outbox event.

Runs in a schema of its own (the auth migration applied there), so nothing is published and
the shared stack's court stays open.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from court.v1 import events_pb2

from services.auth import maintenance
from services.common.clock import FixedClock
from services.common.errors import CourtError
from services.common.events import decode_envelope, unpack
from services.common.maintenance.schedule import WeeklySchedule
from services.common.maintenance.state import MaintenanceState
from services.common.migrations import SERVICES_DIR, migrate

SCHEMA = "maintenancetest"
PACIFIC = ZoneInfo("America/Los_Angeles")
SATURDAY = WeeklySchedule(day=5, start=time(0), hours=5, tz=PACIFIC)
MIGRATION = SERVICES_DIR / "auth" / "migrations" / "0003_maintenance.sql"


def pacific(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PACIFIC)


@pytest.fixture(scope="module")
def schema(database_url: str) -> str:
    migrate(database_url, SCHEMA)  # the outbox tables
    with psycopg.connect(database_url) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {SCHEMA}.maintenance_history")
        conn.execute(f"DROP TABLE IF EXISTS {SCHEMA}.maintenance_state")
        conn.execute(f"SET search_path TO {SCHEMA}")
        conn.execute(Path(MIGRATION).read_bytes())
    return SCHEMA


@pytest.fixture
def conn(database_url: str, schema: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(database_url, options=f"-c search_path={schema}", autocommit=True) as c:
        c.execute(
            "UPDATE maintenance_state SET active = false, until = NULL, source = NULL,"
            " started_at = NULL, changed_at = '2000-01-01T00:00Z'"
        )
        c.execute("DELETE FROM maintenance_history")
        c.execute("DELETE FROM outbox")
        yield c


def _events(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str, MaintenanceState]]:
    rows = conn.execute("SELECT topic, key, event_type, payload FROM outbox ORDER BY id").fetchall()
    out = []
    for topic, key, event_type, payload in rows:
        envelope = decode_envelope(bytes(payload))
        state = MaintenanceState.from_event(
            unpack(envelope, events_pb2.MaintenanceStateChanged),
            changed_at=envelope.occurred_at.ToDatetime(tzinfo=UTC),
        )
        out.append((topic, key, event_type, state))
    return out


def test_an_admin_window_is_stored_with_its_history_and_event(
    conn: psycopg.Connection[Any],
) -> None:
    now = pacific("2026-03-04T10:00")
    with conn.transaction():
        change = maintenance.force_on(
            conn,
            until=now + timedelta(hours=2),
            reason="  database   upgrade ",
            set_by="cli:ops",
            now=now,
        )
    assert change.changed
    stored = maintenance.current(conn)
    assert stored == change.state
    assert (stored.active, stored.reason, stored.source) == (True, "database upgrade", "admin")
    assert stored.until == now + timedelta(hours=2)
    [(topic, key, event_type, published)] = _events(conn)
    assert (topic, key, event_type) == (
        "platform.maintenance",
        "court",
        "platform.maintenance_changed",
    )
    assert published == stored
    [entry] = maintenance.history(conn)
    assert (entry["active"], entry["source"], entry["set_by"]) == (True, "admin", "cli:ops")

    # Forced again (extended): the window keeps its start.
    later = now + timedelta(minutes=30)
    with conn.transaction():
        maintenance.force_on(
            conn, until=later + timedelta(hours=3), reason="", set_by="x", now=later
        )
    assert maintenance.current(conn).started_at == now
    assert maintenance.current(conn).reason == "Maintenance"

    with conn.transaction():
        assert maintenance.force_off(conn, set_by="cli:ops", now=later).changed
    with conn.transaction():
        again = maintenance.force_off(conn, set_by="cli:ops", now=later)
    assert not again.changed and again.message == "maintenance is already off"
    assert [s.active for *_, s in _events(conn)] == [True, True, False]
    assert len(maintenance.history(conn)) == 3


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        (timedelta(seconds=-1), "", "until must be in the future"),
        (timedelta(0), "", "until must be in the future"),
        (timedelta(days=7, seconds=1), "", "at most 7 days"),
        (timedelta(hours=1), "x" * 501, "at most 500 characters"),
    ],
)
def test_bad_admin_windows_are_refused_and_change_nothing(
    conn: psycopg.Connection[Any], until: timedelta, reason: str, message: str
) -> None:
    now = pacific("2026-03-04T10:00")
    with pytest.raises(CourtError, match=message) as raised, conn.transaction():
        maintenance.force_on(conn, until=now + until, reason=reason, set_by="x", now=now)
    assert raised.value.code == "validation_failed"
    assert not maintenance.current(conn).active
    assert _events(conn) == []


@pytest.mark.parametrize("reason", ["a\x1b[2J\x1b[31mRED\x07", "invoice\u202efdp.exe", "a\x00b"])
def test_a_reason_with_control_or_bidi_characters_is_refused_and_changes_nothing(
    conn: psycopg.Connection[Any], reason: str
) -> None:
    # Shown raw by `maintenance status` and in the portal's banner: the rule of any title.
    now = pacific("2026-03-04T10:00")
    refused = pytest.raises(CourtError, match="reason must not contain control")
    with refused as raised, conn.transaction():
        maintenance.force_on(
            conn, until=now + timedelta(hours=1), reason=reason, set_by="x", now=now
        )
    assert (raised.value.code, raised.value.details) == ("invalid_text", {"field": "reason"})
    assert not maintenance.current(conn).active
    assert _events(conn) == []


def test_a_reason_over_several_lines_becomes_one(conn: psycopg.Connection[Any]) -> None:
    now = pacific("2026-03-04T10:00")
    with conn.transaction():
        change = maintenance.force_on(
            conn, until=now + timedelta(hours=1), reason=" disk\n\tswap ", set_by="x", now=now
        )
    assert change.state.reason == "disk swap"


def test_the_cronjob_commands_open_and_close_only_the_schedules_window(
    conn: psycopg.Connection[Any],
) -> None:
    with pytest.raises(maintenance.OutsideWindow), conn.transaction():
        maintenance.open_scheduled(conn, SATURDAY, now=pacific("2026-03-06T12:00"))

    late = pacific("2026-03-07T00:04")  # the CronJob started four minutes late
    with conn.transaction():
        opened = maintenance.open_scheduled(conn, SATURDAY, now=late)
    assert opened.changed
    assert opened.state.until == pacific("2026-03-07T05:00")
    assert opened.state.source == "schedule"
    with conn.transaction():  # a retried CronJob changes nothing
        assert not maintenance.open_scheduled(
            conn, SATURDAY, now=late + timedelta(minutes=1)
        ).changed

    with conn.transaction():
        closed = maintenance.close_scheduled(conn, now=pacific("2026-03-07T05:00"))
    assert closed.changed and not maintenance.current(conn).active

    # An administrator's window is never ended by the schedule's "off".
    now = pacific("2026-03-07T04:00")
    with conn.transaction():
        maintenance.force_on(conn, until=now + timedelta(hours=3), reason="x", set_by="a", now=now)
    with conn.transaction():
        left = maintenance.close_scheduled(conn, now=pacific("2026-03-07T05:00"))
    assert not left.changed and "administrator" in left.message
    assert maintenance.current(conn).in_force(pacific("2026-03-07T05:00"))
    assert len(_events(conn)) == 3


def test_the_scheduler_ticks_through_a_window_with_an_admin_ending_it_early(
    conn: psycopg.Connection[Any],
) -> None:
    clock = FixedClock(pacific("2026-03-06T23:59:58"))
    actions: list[tuple[str, str]] = []

    def tick() -> None:
        with conn.transaction():
            change = maintenance.tick(conn, SATURDAY, now=clock.now())
        if change is not None and change.changed:
            actions.append((change.message, clock.now().astimezone(PACIFIC).strftime("%H:%M:%S")))

    for _ in range(5):  # 23:59:58 … 00:00:02
        tick()
        clock.advance(timedelta(seconds=1))
    assert actions == [("scheduled window opened", "00:00:00")]

    clock.set(pacific("2026-03-07T01:00"))
    with conn.transaction():
        maintenance.force_off(conn, set_by="admin:demo-admin", now=clock.now())
    for _ in range(3):
        clock.advance(timedelta(seconds=1))
        tick()
    assert not maintenance.current(conn).active  # not reopened

    clock.set(pacific("2026-03-14T00:00"))  # next Saturday (PDT now): opens again
    tick()
    clock.set(pacific("2026-03-14T05:00"))
    tick()
    tick()
    assert actions[1:] == [
        ("scheduled window opened", "00:00:00"),
        ("scheduled window closed", "05:00:00"),
    ]
    assert maintenance.current(conn).source == "schedule"


def test_concurrent_changes_are_serialised_in_event_order(
    database_url: str, conn: psycopg.Connection[Any]
) -> None:
    now = datetime.now(UTC)

    def flip(n: int) -> None:
        with psycopg.connect(database_url, options=f"-c search_path={SCHEMA}") as own:
            for i in range(10):
                with own.transaction():
                    if (n + i) % 2:
                        maintenance.force_off(own, set_by=f"t{n}", now=datetime.now(UTC))
                    else:
                        maintenance.force_on(
                            own,
                            until=now + timedelta(hours=1),
                            reason=f"t{n}",
                            set_by=f"t{n}",
                            now=datetime.now(UTC),
                        )

    threads = [threading.Thread(target=flip, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = _events(conn)
    # The last event published is the state stored: a follower ends where the database is.
    assert events[-1][3].active == maintenance.current(conn).active
    assert len(events) == len(maintenance.history(conn, limit=100))
