"""Failed logins slow the guesser down without locking the owner out.

Failures are counted per (username, client) and per client, whether or not the username
exists, so the answers never tell a real account from an unknown one. Past a number of free
failures each further attempt from that client waits a growing delay (doubling, capped). The
owner, logging in from their usual client, is not slowed by a stranger guessing elsewhere;
a guesser spreading over many usernames is slowed by the per-client count. The cost: an
attacker with many clients can guess more slowly against one account without being stopped
outright (the TOTP second factor is what makes that hopeless for e-filers).

An attempt is counted as failed before it is made, under the keys' advisory locks, and taken
back if it turns out otherwise: checking first and counting after would let every attempt
already in flight be tried, however many.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common.errors import CourtError


@dataclass(frozen=True)
class Rule:
    prefix: str
    free_failures: int
    first_delay: timedelta
    max_delay: timedelta

    def key(self, value: str) -> bytes:
        return hashlib.sha256(f"{self.prefix}:{value.strip().lower()}".encode()).digest()

    def delay(self, failures: int) -> timedelta:
        over = failures - self.free_failures
        if over < 0:
            return timedelta(0)
        return min(self.first_delay * 2 ** min(over, 20), self.max_delay)


def check(conn: Connection[Any], keys: list[bytes], now: datetime) -> None:
    """Refuse with 429 ``rate_limited`` while any of ``keys`` must wait."""
    row = conn.execute(
        "SELECT max(blocked_until) FROM login_throttle WHERE key_sha256 = ANY(%s)", [keys]
    ).fetchone()
    until = row[0] if row else None
    if until is not None and until > now:
        seconds = int((until - now).total_seconds()) + 1
        raise CourtError(
            "rate_limited",
            f"too many failed attempts from here; try again in {seconds} seconds",
            retry_after_seconds=seconds,
        )


@dataclass(frozen=True)
class _Counted:
    """One rule's row as this attempt found it (None: no row) and as it left it."""

    rule: Rule
    key: bytes
    before: tuple[int, datetime, datetime] | None
    failures: int
    updated_at: datetime


@dataclass(frozen=True)
class Reservation:
    """An attempt already counted as failed under each rule, until it turns out otherwise."""

    counted: tuple[_Counted, ...]
    # True when this attempt, if it fails, is the one that starts making clients wait.
    started: bool


@contextmanager
def attempt(
    pool: ConnectionPool,
    rules: list[tuple[Rule, str]],
    now: datetime,
    *,
    failed: Callable[[BaseException], bool],
    reset_on_success: tuple[Rule, ...] = (),
) -> Iterator[Reservation]:
    """Around one attempt: refuse with 429 while throttled, else count it as failed before it
    is made. An attempt that ends otherwise than ``failed`` is refunded; one that succeeds
    also clears the count of each rule in ``reset_on_success``.

    Counting first, under the keys' locks, is what stops parallel attempts: each one in flight
    already counts, so no more than the free failures are ever tried at once. The locks are
    held only while counting, never across the attempt itself.
    """
    with pool.connection() as conn, conn.transaction():
        reservation = _reserve(conn, rules, now)
    try:
        yield reservation
    except BaseException as exc:
        if not failed(exc):
            _settle(pool, reservation, reset=())
        raise
    _settle(pool, reservation, reset=reset_on_success)


def _lock(conn: Connection[Any], keys: list[bytes]) -> None:
    # Always in the same order, so two attempts sharing keys cannot deadlock.
    for key in sorted(set(keys)):
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key.hex()])


def _reserve(conn: Connection[Any], rules: list[tuple[Rule, str]], now: datetime) -> Reservation:
    keys = [rule.key(value) for rule, value in rules]
    _lock(conn, keys)
    check(conn, keys, now)
    rows = conn.execute(
        "SELECT key_sha256, failures, blocked_until, updated_at FROM login_throttle"
        " WHERE key_sha256 = ANY(%s)",
        [keys],
    ).fetchall()
    before = {bytes(row[0]): (row[1], row[2], row[3]) for row in rows}
    counted, started = [], False
    for (rule, _), key in zip(rules, keys, strict=True):
        failures = _count_failure(conn, rule, key, now)
        started = started or (bool(rule.delay(failures)) and failures == rule.free_failures)
        counted.append(_Counted(rule, key, before.get(key), failures, now))
    return Reservation(tuple(counted), started)


def _count_failure(conn: Connection[Any], rule: Rule, key: bytes, now: datetime) -> int:
    row = conn.execute(
        "INSERT INTO login_throttle (key_sha256, failures, blocked_until, updated_at)"
        " VALUES (%s, 1, %s, %s) ON CONFLICT (key_sha256) DO UPDATE SET"
        # A quiet spell as long as the longest delay forgives the past.
        " failures = CASE WHEN login_throttle.updated_at < %s THEN 1"
        "  ELSE login_throttle.failures + 1 END,"
        " updated_at = excluded.updated_at RETURNING failures",
        [key, now, now, now - rule.max_delay * 2],
    ).fetchone()
    failures = int(row[0]) if row else 1
    wait = rule.delay(failures)
    if wait:
        conn.execute(
            "UPDATE login_throttle SET blocked_until = %s WHERE key_sha256 = %s",
            [now + wait, key],
        )
    return failures


def _settle(pool: ConnectionPool, reservation: Reservation, *, reset: tuple[Rule, ...]) -> None:
    """Take back what the attempt counted, in a transaction of its own (the attempt's own may
    have been rolled back)."""
    with pool.connection() as conn, conn.transaction():
        _lock(conn, [counted.key for counted in reservation.counted])
        for counted in reservation.counted:
            if counted.rule in reset:
                conn.execute("DELETE FROM login_throttle WHERE key_sha256 = %s", [counted.key])
            else:
                _refund(conn, counted)


def _refund(conn: Connection[Any], counted: _Counted) -> None:
    """Take back one counted failure, as if the attempt had never been counted."""
    row = conn.execute(
        "SELECT failures, updated_at FROM login_throttle WHERE key_sha256 = %s", [counted.key]
    ).fetchone()
    if row is None:
        return  # reset meanwhile (a success): nothing left to take back
    if (row[0], row[1]) == (counted.failures, counted.updated_at):
        # Nobody counted since: put back the row as it was, its quiet spell included.
        _restore(conn, counted)
        return
    # Others counted since (they were let in, so this attempt set no wait); once back under
    # the free failures, a wait the later ones set on this attempt's count is lifted.
    failures = max(row[0] - 1, 0)
    conn.execute(
        "UPDATE login_throttle SET failures = %s,"
        " blocked_until = CASE WHEN %s THEN least(blocked_until, updated_at)"
        "  ELSE blocked_until END"
        " WHERE key_sha256 = %s",
        [failures, not counted.rule.delay(failures), counted.key],
    )


def _restore(conn: Connection[Any], counted: _Counted) -> None:
    if counted.before is None:
        conn.execute("DELETE FROM login_throttle WHERE key_sha256 = %s", [counted.key])
        return
    conn.execute(
        "UPDATE login_throttle SET failures = %s, blocked_until = %s, updated_at = %s"
        " WHERE key_sha256 = %s",
        [*counted.before, counted.key],
    )
