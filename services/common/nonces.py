"""Replay protection across replicas: a service token for a call that writes is taken once
by the whole service, through its own schema, not once per process.

Reads and checks keep the process's own guard only: replaying one to another replica returns
what the original call returned, and a shared row per read would tax every page view. A call
that writes (StoreDocument, IssueFreeLook, …) costs one insert.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from psycopg_pool import ConnectionPool

from services.common.db import one_statement
from services.common.errors import CourtError
from services.common.identity import ReplayGuard
from services.common.rpc_kinds import writes_nothing

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 60.0


class SharedReplayGuard:
    def __init__(self, pool: ConnectionPool, local: ReplayGuard | None = None) -> None:
        self._pool = pool
        self._local = local or ReplayGuard()
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def first_use(self, nonce: str, *, expires: float, now: float, method: str) -> bool:
        if not self._local.first_use(nonce, expires=expires, now=now):
            return False
        if writes_nothing(method):
            return True
        try:
            with one_statement(self._pool) as conn:  # the insert commits alone
                self._prune_if_due(conn)
                taken = conn.execute(
                    "INSERT INTO service_nonces (nonce, expires_at)"
                    " VALUES (%s, to_timestamp(%s)) ON CONFLICT DO NOTHING",
                    (nonce, expires),
                ).rowcount
        except psycopg.Error as exc:
            # Fail closed, and retryable: the call is refused until the database answers.
            log.warning("cannot record a service nonce: %s", str(exc).splitlines()[0:1])
            raise CourtError(
                "unavailable", "the service cannot check the caller's identity now"
            ) from None
        return taken == 1

    def _prune_if_due(self, conn: psycopg.Connection) -> None:
        with self._lock:
            if time.monotonic() < self._next_prune:
                return
            self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        conn.execute("DELETE FROM service_nonces WHERE expires_at < now()")
