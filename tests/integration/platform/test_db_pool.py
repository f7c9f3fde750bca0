"""The services' pool: its check before lending (no round trip) finds a connection the server
closed and lends a fresh one, while a live one is reused; ``one_statement`` lends a connection
in autocommit (its statement commits alone, no BEGIN/COMMIT round trips) and takes it back as
the pool's other borrowers expect it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors
from psycopg_pool import ConnectionPool

from services.common.db import connect_pool, one_statement


@pytest.fixture
def pool(database_url: str) -> Iterator[ConnectionPool]:
    lent = connect_pool(database_url, schema="public", max_size=1)  # one connection: reused
    try:
        yield lent
    finally:
        lent.close()


def test_the_statement_commits_alone_and_the_connection_comes_back_as_it_was(
    pool: ConnectionPool,
) -> None:
    with pool.connection() as conn:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS lent (n int)")  # per session: this one
    with one_statement(pool) as conn:
        conn.execute("INSERT INTO lent VALUES (1)")
        # Committed already: no transaction is open on the connection.
        assert conn.info.transaction_status.name == "IDLE"
    with pool.connection() as conn:
        assert conn.autocommit is False
        conn.execute("INSERT INTO lent VALUES (2)")
        assert conn.info.transaction_status.name == "INTRANS"  # implicit, as before
        conn.rollback()
        assert conn.execute("SELECT array_agg(n) FROM lent").fetchone() == ([1],)


def test_a_failed_statement_leaves_nothing_open(pool: ConnectionPool) -> None:
    with pytest.raises(errors.UndefinedTable), one_statement(pool) as conn:
        conn.execute("SELECT * FROM no_such_table")
    with pool.connection() as conn:
        assert conn.autocommit is False
        assert conn.execute("SELECT 1").fetchone() == (1,)


def _backend_pid(pool: ConnectionPool) -> int:
    with pool.connection() as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        return int(row[0])


def test_a_live_connection_is_reused(pool: ConnectionPool) -> None:
    assert _backend_pid(pool) == _backend_pid(pool)


def test_a_connection_the_server_closed_is_not_lent(
    pool: ConnectionPool, database_url: str
) -> None:
    lent = _backend_pid(pool)
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [lent])  # as a restart does
        deadline = time.monotonic() + 10
        while admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [lent]
        ).fetchone() != (0,):
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
    time.sleep(0.2)  # the closed socket reaches this process
    # The borrower gets a working connection, not an error: the check found the dead one.
    assert _backend_pid(pool) != lent
