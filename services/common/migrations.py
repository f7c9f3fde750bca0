"""Ordered SQL migrations, one folder per service, each service in its own schema.

``services/common/migrations/*.sql`` (the outbox and processed-event tables) are applied
into every service schema first, then ``services/<service>/migrations/*.sql``. Each file
runs once; its SHA-256 is recorded so an edited, already-applied file is refused.
All of a service's pending files apply in one transaction under an advisory lock, so two
``openecf migrate`` runs at once (a Helm hook and a developer) cannot interleave.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from services.common.db import check_schema_name

log = logging.getLogger(__name__)
SERVICES_DIR = Path(__file__).resolve().parent.parent
_LOCK_KEY = 0x0ECF  # the advisory lock id that serialises migrations


@dataclass(frozen=True)
class Migration:
    name: str  # e.g. "common/0001_outbox.sql"
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def migrations_for(service: str) -> list[Migration]:
    found: list[Migration] = []
    for folder in ("common", service):
        for path in sorted((SERVICES_DIR / folder / "migrations").glob("*.sql")):
            found.append(Migration(f"{folder}/{path.name}", path.read_text(encoding="utf-8")))
    return found


def migrate(conninfo: str, service: str) -> list[str]:
    """Apply ``service``'s pending migrations; return the names applied (empty when current)."""
    schema = check_schema_name(service)
    applied_now: list[str] = []
    with psycopg.connect(conninfo) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.schema_migrations ("
                " name text PRIMARY KEY, sha256 text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            ).format(sql.Identifier(schema))
        )
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        done: dict[str, str] = dict(
            conn.execute("SELECT name, sha256 FROM schema_migrations").fetchall()
        )
        for migration in migrations_for(service):
            recorded = done.get(migration.name)
            if recorded is not None:
                if recorded != migration.checksum:
                    raise MigrationError(
                        f"{service}: {migration.name} changed after it was applied; "
                        "add a new migration instead of editing an old one"
                    )
                continue
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations (name, sha256) VALUES (%s, %s)",
                [migration.name, migration.checksum],
            )
            applied_now.append(migration.name)
    if applied_now:
        log.info("migrated", extra={"schema": schema, "applied": ",".join(applied_now)})
    return applied_now
