"""The commit signal against the stack's real PostgreSQL: a commit wakes the waiter, a burst of
commits wakes it at its pace, and with no commit it still returns after its fallback."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

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
    waiter.wait(threading.Event(), 5)  # the first wait starts listening and returns at once
    yield waiter
    waiter.close()


def _timed_wait(
    signal: CommitSignal, fallback: float, stop: threading.Event | None = None
) -> float:
    started = time.monotonic()
    signal.wait(stop or threading.Event(), fallback)
    return time.monotonic() - started


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
    assert 0.25 < _timed_wait(signal, 30) < 5  # woken by the commit, not the 30 s fallback
    committer.join()
    committer = _commit_soon(database_url, schema, after=0.0)
    assert 0.9 < _timed_wait(signal, 30) < 5  # woken again, but 1 s after the last wake
    committer.join()


def test_with_no_commit_it_returns_after_the_fallback_or_at_a_stop(signal: CommitSignal) -> None:
    assert 1.4 < _timed_wait(signal, 1.5) < 3
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    assert _timed_wait(signal, 30, stop) < 2  # a stop is seen within one slice (0.5 s)
