"""The services' database connections over TLS with `sslmode=verify-full`, as the runbook
tells a court to configure them (deploy/helm/openecf/README.md, "A CA for PostgreSQL"):
against a real PostgreSQL that accepts only TLS, the migrations (what the chart's hook runs)
and a service's pool connect through the mounted CA, and a wrong CA, a wrong host name or a
plain connection fail with one clear line."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import run_openecf
from support.tls import ServerTls, make_server_tls
from support.tls_postgres import TlsPostgres, tls_postgres

from services.common.db import connect_pool


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> ServerTls:
    # The certificate names 127.0.0.1 only, so "localhost" is a host name it does not name.
    return make_server_tls(tmp_path_factory.mktemp("pg-tls"), names=("127.0.0.1",))


@pytest.fixture(scope="module")
def database(
    tmp_path_factory: pytest.TempPathFactory, server_tls: ServerTls
) -> Iterator[TlsPostgres]:
    with tls_postgres(tmp_path_factory.mktemp("pg-tls-server"), server_tls) as server:
        yield server


def _migrate(database_url: str) -> subprocess.CompletedProcess[str]:
    return run_openecf("migrate", settings={"OPENECF_DATABASE_URL": database_url})


def test_verify_full_with_the_mounted_ca_migrates_and_the_pools_use_tls(
    database: TlsPostgres, server_tls: ServerTls
) -> None:
    url = database.url(query=f"sslmode=verify-full&sslrootcert={server_tls.ca_file}")
    result = _migrate(url)
    assert result.returncode == 0, result.stderr
    assert "auth: applied" in result.stdout and "docket: applied" in result.stdout

    pool = connect_pool(url, schema="docket", max_size=1)
    try:
        with pool.connection() as conn:
            row = conn.execute(
                "select ssl, version from pg_stat_ssl where pid = pg_backend_pid()"
            ).fetchone()
            tables = conn.execute(
                "select count(*) from information_schema.tables where table_schema = 'docket'"
            ).fetchone()
    finally:
        pool.close()
    assert row is not None and row[0] is True and row[1].startswith("TLSv1.")
    assert tables is not None and tables[0] > 0


def _refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one clear line, never a traceback
    assert lines[0].startswith("openecf: cannot reach the database: ")
    return lines[0]


def test_a_certificate_the_mounted_ca_did_not_sign_is_refused(
    database: TlsPostgres, tmp_path: Path
) -> None:
    other_ca = make_server_tls(tmp_path / "other", common_name="Someone else's CA").ca_file
    line = _refusal(_migrate(database.url(query=f"sslmode=verify-full&sslrootcert={other_ca}")))
    assert "certificate verify failed" in line


def test_a_host_name_the_certificate_does_not_name_is_refused(
    database: TlsPostgres, server_tls: ServerTls
) -> None:
    url = database.url(
        host="localhost", query=f"sslmode=verify-full&sslrootcert={server_tls.ca_file}"
    )
    line = _refusal(_migrate(url))
    assert 'does not match host name "localhost"' in line


def test_a_plain_connection_is_refused_by_the_server(database: TlsPostgres) -> None:
    line = _refusal(_migrate(database.url(query="sslmode=disable")))
    assert "no encryption" in line
