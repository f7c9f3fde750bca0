"""Point-in-time recovery with Debian's PostgreSQL, as the runbook's restore drill does it on
a cluster (deploy/helm/openecf/README.md, sections 8 and 10): a server that archives its WAL,
a base backup, and a new data folder recovered from both up to a chosen moment."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import psycopg

from support.api import wait_for
from support.debian_postgres import give, give_folder, init_cluster, run_tool, server_user, serving
from support.ports import free_port


@dataclass(frozen=True)
class Server:
    data: Path
    port: int
    password: str

    @property
    def url(self) -> str:
        return f"postgresql://postgres:{quote(self.password)}@127.0.0.1:{self.port}/postgres"

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


@contextmanager
def archiving_postgres(folder: Path, archive: Path) -> Iterator[Server]:
    """A server that copies every finished WAL segment into ``archive``."""
    password = secrets.token_urlsafe(18)
    data = init_cluster(folder, password)
    archive.mkdir(parents=True, exist_ok=True)
    give_folder(server_user(), archive)
    port = free_port()
    options = (
        "wal_level=replica",
        "archive_mode=on",
        f"archive_command=test ! -f {archive}/%f && cp %p {archive}/%f",
    )
    with serving(data, port, options, folder / "server.log"):
        yield Server(data=data, port=port, password=password)


def base_backup(server: Server, target: Path) -> None:
    """What a scheduled backup takes: the data folder, consistent, with the WAL to start it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    give_folder(server_user(), target.parent)
    run_tool(
        server_user(),
        "pg_basebackup",
        f"--host={server.data}",
        f"--port={server.port}",
        "--username=postgres",
        f"--pgdata={target}",
        "--wal-method=stream",
        "--checkpoint=fast",
    )


def archive_current_wal(server: Server) -> None:
    """Close the WAL segment in use and wait until the archiver has copied it."""
    (segment,) = server.query("select pg_walfile_name(pg_switch_wal())")[0]
    wait_for(
        lambda: (
            server.query("select last_archived_wal >= %s from pg_stat_archiver", segment)[0][0]
            or None
        ),
        timeout=60,
        what=f"WAL segment {segment} archived",
    )


def recovered(backup: Path, archive: Path, until: datetime, folder: Path) -> Path:
    """A new data folder: the base backup, replayed from the archive up to ``until``, then
    promoted (a server started on it comes up writable, as CloudNativePG's recovery does)."""
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", str(backup), str(data)], check=True)  # keeps owner and 0700
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            f"restore_command = 'cp {archive}/%f %p'\n"
            f"recovery_target_time = '{until.isoformat()}'\n"
            "recovery_target_action = 'promote'\n"
        )
    (data / "recovery.signal").touch()
    give_folder(server_user(), folder)
    give(server_user(), data / "recovery.signal")
    return data


@contextmanager
def serve_recovered(data: Path, password: str, log: Path) -> Iterator[Server]:
    """Start the recovered copy; ready once recovery reached its target and it was promoted."""
    port = free_port()
    with serving(data, port, (), log):
        yield Server(data=data, port=port, password=password)
