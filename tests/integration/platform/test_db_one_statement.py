"""``one_statement``: a pooled connection lent in autocommit (its statement commits alone, no
BEGIN/COMMIT round trips) and given back as the pool's other borrowers expect it."""

from __future__ import annotations

from collections.abc import Iterator

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
