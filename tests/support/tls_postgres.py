"""A PostgreSQL server that accepts only TLS connections with a password, as a court's
managed database does: Debian's `postgresql-15` (the embedded wheel is built without
OpenSSL), listening on 127.0.0.1 with a certificate from tests/support/tls.py."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from services.stack.postgres import _run_as
from support.ports import free_port
from support.tls import ServerTls

_DEBIAN_BIN = Path("/usr/lib/postgresql/15/bin")  # `make packages` installs postgresql-15


@dataclass(frozen=True)
class TlsPostgres:
    port: int
    password: str

    def url(self, *, host: str = "127.0.0.1", query: str) -> str:
        return f"postgresql://postgres:{quote(self.password)}@{host}:{self.port}/postgres?{query}"


def _server_user() -> tuple[int, int] | None:
    # PostgreSQL refuses to run as root; as root, run it as the local stack's server user
    # (made on first use, as the stack makes it).
    run_as = _run_as()
    return (run_as.uid, run_as.gid) if run_as.switch else None


def _as_user(user: tuple[int, int] | None) -> dict[str, object]:
    if user is None:
        return {}
    return {"user": user[0], "group": user[1], "extra_groups": []}


@contextmanager
def tls_postgres(folder: Path, tls: ServerTls) -> Iterator[TlsPostgres]:
    """Run the server until the block ends; its pg_hba takes TLS with a password, nothing else."""
    user = _server_user()
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    password_file = folder / "password"
    password_file.write_text(password)
    if user is not None:
        _make_reachable(folder)
        for path in (folder, password_file):
            os.chown(path, *user)
    subprocess.run(
        [
            str(_DEBIAN_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
            "--no-instructions",
        ],
        check=True,
        capture_output=True,
        **_as_user(user),  # type: ignore[arg-type]
    )
    (data / "pg_hba.conf").write_text(
        "local all all trust\n"
        "hostssl all all 127.0.0.1/32 scram-sha-256\n"
        "hostnossl all all 0.0.0.0/0 reject\n"
    )
    for name, source in (("server.crt", tls.cert_file), ("server.key", tls.key_file)):
        shutil.copyfile(source, data / name)
        (data / name).chmod(0o600)
        if user is not None:
            os.chown(data / name, *user)
    port = free_port()
    server = subprocess.Popen(
        [
            str(_DEBIAN_BIN / "postgres"),
            "-D",
            str(data),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"port={port}",
            "-c",
            f"unix_socket_directories={data}",
            "-c",
            "ssl=on",
            "-c",
            "ssl_cert_file=server.crt",
            "-c",
            "ssl_key_file=server.key",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("wb"),
        **_as_user(user),  # type: ignore[arg-type]
    )
    try:
        _wait_ready(data, port, server)
        yield TlsPostgres(port=port, password=password)
    finally:
        server.terminate()  # SIGTERM is PostgreSQL's "smart" shutdown; nothing is connected
        server.wait(timeout=30)


def _make_reachable(folder: Path) -> None:
    # The server user walks down to its folder: pytest's folders are 0700, so add o+x only.
    for ancestor in folder.parents:
        mode = ancestor.stat().st_mode
        if not mode & stat.S_IXOTH:
            ancestor.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def _wait_ready(data: Path, port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(host=str(data), port=port, user="postgres", dbname="postgres").close()
            return
        except psycopg.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
