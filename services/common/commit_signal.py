"""Waking a worker when a transaction that gave it work commits, instead of polling.

A table's trigger (``wake_on_commit``, common/0004) calls ``pg_notify`` on ``<schema>_<table>``,
which PostgreSQL delivers only at commit (once per transaction and channel, however many rows).
A ``CommitSignal`` holds one connection of its own that LISTENs, and lets its worker sleep
until a notification comes.

It only saves work, it is never the only path: the worker still looks every
``fallback_seconds``, because a notification is missed while the connection is being reopened
(after a database restart), and a pooler in transaction mode does not carry LISTEN at all.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from typing import Any, Protocol

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

# How long one wait on the socket lasts at most, so a stop is seen within it.
_SLICE_SECONDS = 0.5


class Waiter(Protocol):
    """How a worker waits between rounds: ``CommitSignal``, or ``Poll`` without one. ``wait``
    answers whether rows may have been added: False only when it listened the whole time and
    heard nothing, or was stopped."""

    def wait(self, stop: threading.Event, fallback_seconds: float) -> bool: ...

    def close(self) -> None: ...


class Poll:
    """A plain poll: waits the whole time (a worker given no commit signal), and cannot know
    whether rows were added meanwhile."""

    def wait(self, stop: threading.Event, fallback_seconds: float) -> bool:
        return not stop.wait(fallback_seconds)

    def close(self) -> None:
        pass


class CommitSignal:
    """``pace_seconds``: a notification lets the worker go at most once in that time, so under
    load commits gather into batches as a poll at that period gathered them, while a lone
    commit on an idle system is seen at once."""

    def __init__(
        self,
        conninfo: str,
        *,
        schema: str,
        table: str,
        application_name: str,
        pace_seconds: float = 0.0,
    ) -> None:
        self._conninfo = conninfo
        self._pace = pace_seconds
        self._woke_at = 0.0
        self._channel = f"{schema}_{table}"  # as wake_on_commit names it
        self._application_name = application_name
        self._conn: psycopg.Connection[Any] | None = None
        self._failing = False

    def wait(self, stop: threading.Event, fallback_seconds: float) -> bool:
        """Return when a notification arrives, ``fallback_seconds`` passed, or ``stop`` is set.

        It also returns at once when it has just started listening or lost the connection: a
        commit in the gap woke no one, so the worker must look now. False only when it listened
        the whole time and heard nothing (or was stopped)."""
        if self._conn is None:
            if not self._listen():
                stop.wait(fallback_seconds)  # the database is away: a plain poll
            return True
        deadline = time.monotonic() + fallback_seconds
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                # The socket is waited on here, not in psycopg, whose wait wakes ten times a
                # second (to let Ctrl-C in): an idle listener goes round twice a second.
                if not select.select([self._conn], [], [], min(remaining, _SLICE_SECONDS))[0]:
                    continue
                for _ in self._conn.notifies(timeout=0, stop_after=1):
                    self._paced(stop)
                    return True
            except psycopg.Error as exc:
                self._lost(exc)
                return True
        return False

    def _paced(self, stop: threading.Event) -> None:
        early = self._woke_at + self._pace - time.monotonic()
        if early > 0:
            stop.wait(early)
        self._woke_at = time.monotonic()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _listen(self) -> bool:
        conn = None
        try:
            conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                application_name=self._application_name,
                connect_timeout=5,
            )
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        except psycopg.Error as exc:
            if conn is not None:
                conn.close()
            self._lost(exc)
            return False
        if self._failing:
            log.info("listening again", extra={"channel": self._channel})
        self._conn, self._failing = conn, False
        return True

    def _lost(self, exc: psycopg.Error) -> None:
        self.close()
        if not self._failing:  # once per outage, not once per wait
            log.warning(
                "not listening, polling until the database answers",
                extra={"channel": self._channel, "error": repr(exc)},
            )
        self._failing = True
