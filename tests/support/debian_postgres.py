"""A PostgreSQL server of Debian's `postgresql-15` for the tests that need what the embedded
one does not give (TLS, WAL archiving, recovery): make a cluster, serve a data folder, wait for
it. As root, everything runs as the local stack's server user (PostgreSQL refuses root)."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg

from services.stack.postgres import RunAs, server_run_as

BIN = Path("/usr/lib/postgresql/15/bin")  # `make packages` installs postgresql-15


def server_user() -> tuple[int, int] | None:
    run_as = server_run_as()
    return (run_as.uid, run_as.gid) if run_as.switch else None


def as_user(user: tuple[int, int] | None, args: Sequence[str]) -> list[str]:
    return RunAs(*user, switch=True).command(args) if user else list(args)


def give(user: tuple[int, int] | None, *paths: Path) -> None:
    """Hand files and folders to the server user (folders it writes, files it reads)."""
    if user is None:
        return
    for path in paths:
        os.chown(path, *user)


def give_folder(user: tuple[int, int] | None, folder: Path) -> None:
    """A folder of the test's for the server user, who must be able to walk down to it."""
    if user is not None:
        make_reachable(folder)
    give(user, folder)


def make_reachable(path: Path) -> None:
    # The server user walks down to its folder: pytest's folders are 0700, so add o+x only.
    for ancestor in path.parents:
        mode = ancestor.stat().st_mode
        if not mode & stat.S_IXOTH:
            ancestor.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def run_tool(user: tuple[int, int] | None, *args: str) -> None:
    """One of the server's programs (initdb, pg_basebackup, …) as the server user."""
    subprocess.run(as_user(user, [str(BIN / args[0]), *args[1:]]), check=True, capture_output=True)


def init_cluster(folder: Path, password: str) -> Path:
    """A new cluster in ``folder/data``: trust on its socket, scram-sha-256 over TCP."""
    user = server_user()
    folder.mkdir(parents=True, exist_ok=True)
    password_file = folder / "password"
    password_file.write_text(password)
    give_folder(user, folder)
    give(user, password_file)
    data = folder / "data"
    run_tool(
        user,
        "initdb",
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        f"--pwfile={password_file}",
        "--no-instructions",
    )
    return data


@contextmanager
def serving(data: Path, port: int, options: Sequence[str], log: Path) -> Iterator[None]:
    """Run the server on ``data`` until the block ends; ``options`` are `-c name=value`s."""
    user = server_user()
    server = subprocess.Popen(
        as_user(
            user,
            [
                str(BIN / "postgres"),
                "-D",
                str(data),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"port={port}",
                "-c",
                f"unix_socket_directories={data}",
                *[arg for option in options for arg in ("-c", option)],
            ],
        ),
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    try:
        wait_ready(data, port, server)
        yield
    finally:
        server.terminate()  # SIGTERM is PostgreSQL's "smart" shutdown
        server.wait(timeout=60)


def wait_ready(data: Path, port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the server takes connections (and has left recovery, if it was recovering)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(
                host=str(data), port=port, user="postgres", dbname="postgres"
            ) as c:
                row = c.execute("select pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
        except psycopg.OperationalError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"postgres on {data} exited with {server.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"postgres on {data} not ready within {timeout} s")
        time.sleep(0.2)
