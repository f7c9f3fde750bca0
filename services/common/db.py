"""PostgreSQL access: one pool per service, bound to that service's own schema."""

from __future__ import annotations

import re
import select
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import Connection, InterfaceError, OperationalError
from psycopg.pq import ConnStatus
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool, PoolTimeout

# The database itself being away (restarting, failing over, unreachable): a caller should try
# again, never be told the request was wrong.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)

_SCHEMA = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def check_schema_name(schema: str) -> str:
    # Schema names are interpolated into SQL, so they must be plain identifiers.
    if not _SCHEMA.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    return schema


def check_alive(conn: Connection[TupleRow]) -> None:
    """The pool's check before it lends a connection, in the common case without a round trip.

    An idle connection to a live server has nothing to read. A server that went away
    (restarted, killed, the backend terminated) has sent its last words or closed its end of
    the socket, so the socket is readable: only then is the connection asked, with
    ``ConnectionPool.check_connection``'s empty query, which raises for a lost connection (the
    pool then opens another). Without this poll every loan cost that query's round trip.
    """
    if conn.closed or conn.pgconn.status != ConnStatus.OK:
        raise OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


def connect_pool(conninfo: str, *, schema: str, max_size: int = 8) -> ConnectionPool:
    """A pool whose connections see only ``schema`` (and ``public``) by default."""
    check_schema_name(schema)
    pool: ConnectionPool[Connection[TupleRow]] = ConnectionPool(
        conninfo,
        min_size=1,
        max_size=max_size,
        kwargs={"options": f"-c search_path={schema}", "application_name": f"openecf-{schema}"},
        # A connection broken by a database restart is noticed before it is handed out.
        check=check_alive,
        open=False,
        name=schema,
    )
    pool.open(wait=True, timeout=30)
    return pool


@contextmanager
def one_statement(pool: ConnectionPool) -> Iterator[Connection[TupleRow]]:
    """A pooled connection in autocommit, for work that is one statement: the statement is
    its own transaction, without the BEGIN and COMMIT round trips of an implicit one."""
    with pool.connection() as conn:
        conn.autocommit = True
        try:
            yield conn
        finally:
            try:
                conn.autocommit = False  # the next borrower expects implicit transactions
            except DATABASE_UNAVAILABLE:
                conn.close()  # broken: the pool replaces a closed connection
