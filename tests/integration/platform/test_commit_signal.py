"""The commit signal against the stack's real PostgreSQL: a commit wakes the waiter, a burst of
commits wakes it at its pace, and with no commit it still returns after its fallback."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from support.probe_events import enqueue_probes, prepare_schema

from services.common.commit_signal import CommitSignal


@pytest.fixture
def schema(database_url: str) -> str:
    name = f"signal{uuid.uuid4().hex[:8]}"
    prepare_schema(database_url, name)  # the outbox, with its wake_on_commit trigger
    return name


@pytest.fixture
def signal(database_url: str, schema: str) -> Iterator[CommitSignal]:
    waiter = CommitSignal(
        database_url, schema=schema, table="outbox", application_name="test", pace_seconds=1.0
    )
    # The first wait starts listening and returns at once: a commit before it woke no one.
    assert waiter.wait(threading.Event(), 5) is True
    yield waiter
    waiter.close()


def _timed_wait(
    signal: CommitSignal, fallback: float, stop: threading.Event | None = None
) -> tuple[float, bool]:
    """How long the wait took, and whether it said rows may have been added."""
    started = time.monotonic()
    woken = signal.wait(stop or threading.Event(), fallback)
    return time.monotonic() - started, woken


def _commit_soon(database_url: str, schema: str, after: float) -> threading.Thread:
    def commit() -> None:
        time.sleep(after)
        enqueue_probes(database_url, schema, 2, subject="wake", topic="test.signal")

    thread = threading.Thread(target=commit)
    thread.start()
    return thread


def test_a_commit_wakes_the_waiter_and_a_second_one_waits_for_the_pace(
    signal: CommitSignal, database_url: str, schema: str
) -> None:
    time.sleep(1.1)  # past the pace since the listening wait
    committer = _commit_soon(database_url, schema, after=0.3)
    took, woken = _timed_wait(signal, 30)
    assert 0.25 < took < 5 and woken  # woken by the commit, not the 30 s fallback
    committer.join()
    committer = _commit_soon(database_url, schema, after=0.0)
    took, woken = _timed_wait(signal, 30)
    assert 0.9 < took < 5 and woken  # woken again, but 1 s after the last wake
    committer.join()


def test_with_no_commit_it_returns_after_the_fallback_or_at_a_stop(signal: CommitSignal) -> None:
    took, woken = _timed_wait(signal, 1.5)
    assert 1.4 < took < 3 and not woken  # it listened the whole time: nothing was added
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    took, woken = _timed_wait(signal, 30, stop)
    assert took < 2 and not woken  # a stop is seen within one slice (0.5 s)


def test_a_lost_listener_says_look_now_and_listens_again(
    signal: CommitSignal, database_url: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        cut = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'test'"
        ).fetchall()
    assert cut == [(True,)]
    took, woken = _timed_wait(signal, 30)
    assert took < 5 and woken  # lost: a commit meanwhile would have woken no one
    took, woken = _timed_wait(signal, 30)
    assert took < 5 and woken  # listening again, and again a look
    took, woken = _timed_wait(signal, 1.0)
    assert not woken  # and now a quiet wait is a quiet wait
