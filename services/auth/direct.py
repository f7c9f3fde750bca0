"""Auth's tables for the processes beside the service (the command line, the maintenance
scheduler, the local stack's bootstrap): they change accounts and the maintenance state only
through auth's own modules (accounts.py, maintenance.py), on a connection opened here, so no
other package names auth's schema or writes its tables."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import Connection

SCHEMA = "auth"


def connect(database_url: str, *, autocommit: bool = False) -> Connection[Any]:
    """A connection that sees auth's schema; use it as a context manager."""
    return psycopg.connect(
        database_url,
        options=f"-c search_path={SCHEMA}",
        autocommit=autocommit,
        application_name="openecf-auth-cli",
    )
