"""A PostgreSQL server that accepts only TLS connections with a password, as a court's
managed database does: Debian's `postgresql-15` (the embedded wheel is built without
OpenSSL), listening on 127.0.0.1 with a certificate from tests/support/tls.py."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from support.debian_postgres import give, init_cluster, server_user, serving
from support.ports import free_port
from support.tls import ServerTls


@dataclass(frozen=True)
class TlsPostgres:
    port: int
    password: str

    def url(self, *, host: str = "127.0.0.1", query: str) -> str:
        return f"postgresql://postgres:{quote(self.password)}@{host}:{self.port}/postgres?{query}"


@contextmanager
def tls_postgres(folder: Path, tls: ServerTls) -> Iterator[TlsPostgres]:
    """Run the server until the block ends; its pg_hba takes TLS with a password, nothing else."""
    password = secrets.token_urlsafe(18)
    data = init_cluster(folder, password)
    (data / "pg_hba.conf").write_text(
        "local all all trust\n"
        "hostssl all all 127.0.0.1/32 scram-sha-256\n"
        "hostnossl all all 0.0.0.0/0 reject\n"
    )
    for name, source in (("server.crt", tls.cert_file), ("server.key", tls.key_file)):
        shutil.copyfile(source, data / name)
        (data / name).chmod(0o600)
        give(server_user(), data / name)
    port = free_port()
    options = ("ssl=on", "ssl_cert_file=server.crt", "ssl_key_file=server.key")
    with serving(data, port, options, folder / "server.log"):
        yield TlsPostgres(port=port, password=password)
