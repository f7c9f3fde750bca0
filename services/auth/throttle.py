"""Failed logins slow the guesser down without locking the owner out.

Failures are counted per (username, client) and per client, whether or not the username
exists, so the answers never tell a real account from an unknown one. Past a number of free
failures each further attempt from that client waits a growing delay (doubling, capped). The
owner, logging in from their usual client, is not slowed by a stranger guessing elsewhere;
a guesser spreading over many usernames is slowed by the per-client count. The cost: an
attacker with many clients can guess more slowly against one account without being stopped
outright (the TOTP second factor is what makes that hopeless for e-filers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection

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


def failed(conn: Connection[Any], rules: list[tuple[Rule, str]], now: datetime) -> bool:
    """Count one failure under each rule; True when one of them starts making clients wait."""
    started = False
    for rule, value in rules:
        key = rule.key(value)
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
            started = started or failures == rule.free_failures
            conn.execute(
                "UPDATE login_throttle SET blocked_until = %s WHERE key_sha256 = %s",
                [now + wait, key],
            )
    return started


def succeeded(conn: Connection[Any], rule: Rule, value: str) -> None:
    conn.execute("DELETE FROM login_throttle WHERE key_sha256 = %s", [rule.key(value)])
