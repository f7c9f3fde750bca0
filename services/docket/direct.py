"""Docket's tables for the command line (``openecf import acms``): it writes cases only through
docket's own modules (imports.py), on a connection opened here, like auth's ``direct.py``."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import Connection

SCHEMA = "docket"


def connect(database_url: str) -> Connection[Any]:
    """A connection that sees docket's schema; use it as a context manager."""
    return psycopg.connect(
        database_url, options=f"-c search_path={SCHEMA}", application_name="openecf-docket-cli"
    )
