"""The embedded PostgreSQL of the local stack: a real server in a data folder."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from services.stack.postgres import EmbeddedPostgres


def _leftover_processes(data_dir: Path) -> str:
    result = subprocess.run(
        ["pgrep", "-af", str(data_dir)], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    # The parent folder does not exist yet: start() must create it.
    server = EmbeddedPostgres(tmp_path / "not-yet" / "pgdata")
    yield server
    server.stop()


def test_data_survives_a_restart_and_stop_leaves_nothing(postgres: EmbeddedPostgres) -> None:
    uri = postgres.start()
    with psycopg.connect(uri, autocommit=True) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        conn.execute("create schema filing")
        conn.execute("create table filing.cases (id int primary key, title text not null)")
        conn.execute("insert into filing.cases values (1, 'Doe v. Roe — §1983')")

    postgres.stop()
    assert _leftover_processes(postgres.data_dir) == ""
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(uri, connect_timeout=2).close()

    assert postgres.start() == uri
    with psycopg.connect(uri) as conn:
        assert conn.execute("select title from filing.cases").fetchall() == [
            ("Doe v. Roe — §1983",)
        ]
        assert conn.execute("show server_encoding").fetchone() == ("UTF8",)

    postgres.stop()
    assert _leftover_processes(postgres.data_dir) == ""


def test_two_instances_run_at_once(tmp_path: Path) -> None:
    first = EmbeddedPostgres(tmp_path / "one")
    second = EmbeddedPostgres(tmp_path / "two")
    try:
        uris = [first.start(), second.start()]
        assert uris[0] != uris[1]
        for index, uri in enumerate(uris):
            with psycopg.connect(uri, autocommit=True) as conn:
                conn.execute("create table marker (n int)")
                conn.execute("insert into marker values (%s)", (index,))
        for index, uri in enumerate(uris):
            with psycopg.connect(uri) as conn:
                assert conn.execute("select n from marker").fetchall() == [(index,)]
    finally:
        first.stop()
        second.stop()
    assert _leftover_processes(tmp_path) == ""


def test_a_server_left_running_by_a_crashed_run_is_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "pgdata"
    crashed = EmbeddedPostgres(data_dir)
    uri = crashed.start()
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("create table survivors (n int)")
    # The owner "crashes": nobody calls stop(); a new owner takes the folder over.
    successor = EmbeddedPostgres(data_dir)
    try:
        assert successor.start() == uri
        with psycopg.connect(uri) as conn:
            assert conn.execute("select count(*) from survivors").fetchone() == (0,)
    finally:
        successor.stop()
    assert _leftover_processes(data_dir) == ""


def test_a_stale_pid_file_does_not_block_start(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata")
    server.start()
    server.stop()
    # After a hard crash (or a container restart) postmaster.pid may name a live process
    # that is not PostgreSQL; pid 1 always exists.
    pid_file = server.data_dir / "postmaster.pid"
    pid_file.write_text(f"1\n{server.data_dir}\n")
    try:
        uri = server.start()
        with psycopg.connect(uri) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        server.stop()


def test_a_failed_start_reports_the_server_log(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata")
    server.start()
    server.stop()
    with (server.data_dir / "postgresql.auto.conf").open("a") as conf:
        conf.write("shared_buffers = 'not a size'\n")
    with pytest.raises(RuntimeError, match="shared_buffers"):
        server.start()
    assert _leftover_processes(server.data_dir) == ""


def test_a_data_folder_too_deep_for_a_socket_path_works(tmp_path: Path) -> None:
    # Unix socket paths are limited to 107 bytes; deep folders get a short socket folder.
    server = EmbeddedPostgres(tmp_path / ("d" * 100) / "pgdata")
    try:
        uri = server.start()
        assert server.socket_dir != server.data_dir
        with psycopg.connect(uri) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        server.stop()
    assert not server.socket_dir.exists()
