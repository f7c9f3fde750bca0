"""The edge's memory of sessions it saw alive (the upload pre-check asks auth once a while)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.edge import session


@pytest.fixture(autouse=True)
def empty() -> Iterator[None]:
    session._alive.clear()
    yield
    session._alive.clear()


def test_a_session_seen_alive_is_trusted_only_within_the_window() -> None:
    assert not session._seen_alive("a", 100.0)
    session._remember_alive("a", 100.0)
    assert session._seen_alive("a", 100.0)
    assert session._seen_alive("a", 100.0 + session._ALIVE_SECONDS - 0.01)
    assert not session._seen_alive("a", 100.0 + session._ALIVE_SECONDS)
    assert not session._seen_alive("b", 100.0)


def test_the_memory_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "_ALIVE_MAX", 4)
    for n in range(4):
        session._remember_alive(f"old{n}", 0.0)
    session._remember_alive("new", session._ALIVE_SECONDS + 1)  # the old ones are stale
    assert list(session._alive) == ["new"]
    for n in range(3):
        session._remember_alive(f"fresh{n}", session._ALIVE_SECONDS + 1)
    session._remember_alive("one more", session._ALIVE_SECONDS + 1)  # none stale: start over
    assert list(session._alive) == ["one more"]
    assert len(session._alive) <= 4
