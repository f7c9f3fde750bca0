"""The embedded PostgreSQL of the local stack: a real server in a data folder."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from services.stack.postgres import EmbeddedPostgres, server_run_as, system_user


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


# A process with a live gRPC server and channel (a pytest worker, the stack's supervisor) runs a
# program as the server user, and prints who it ran as.
_SWITCH_BESIDE_GRPC = """
import subprocess
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from services.stack.postgres import server_run_as

server = grpc.server(futures.ThreadPoolExecutor(2))
health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
channel = grpc.insecure_channel(f"127.0.0.1:{port}")
health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
command = server_run_as().command(["sh", "-c", "id -u; id -G"])
for _ in range(20):
    result = subprocess.run(command, capture_output=True, text=True, check=True)
print(result.stdout.strip())
"""


def test_the_server_user_is_taken_without_running_grpc_fork_handlers() -> None:
    """grpc/grpc#43055: with ``user=``/``group=`` Python forks, gRPC's fork handlers run in the
    child and can kill it before exec (a test worker lost a PostgreSQL start so). Each such
    fork beside a busy gRPC server logs "skipping fork() handlers"; setpriv's vfork runs none."""
    result = subprocess.run(
        [sys.executable, "-c", _SWITCH_BESIDE_GRPC],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GRPC_VERBOSITY": "INFO"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fork_posix" not in result.stderr, result.stderr
    run_as = server_run_as()
    assert result.stdout.split() == [str(run_as.uid), str(run_as.gid)]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root makes a system user to run PostgreSQL")
def test_stacks_starting_at_once_on_a_new_machine_all_get_the_system_user() -> None:
    """Three test workers start their stacks at once on a new machine and all find PostgreSQL's
    system user missing; useradd refuses the others while one holds /etc/passwd's lock."""
    name = f"oecf{uuid.uuid4().hex[:12]}"
    try:
        with ThreadPoolExecutor(8) as pool:
            entries = list(pool.map(lambda _: system_user(name), range(8)))
        assert {(e.pw_name, e.pw_uid) for e in entries} == {(name, pwd.getpwnam(name).pw_uid)}
    finally:
        subprocess.run(["userdel", name], capture_output=True, check=False)
