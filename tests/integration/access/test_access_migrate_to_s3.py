"""`openecf documents migrate-to-s3` on its own database: every content moved and verified,
damaged content reported and left in place, a store that is down moving nothing, a second run
finding nothing left to do."""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from support.cli import run_openecf
from support.object_store import BUCKET, raw_client, running_s3proxy, s3_env, s3_settings

from services.access.backends import ObjectStoreContent
from services.access.object_migration import migrate_to_object_store
from services.access.objects import S3ContentStore
from services.access.vault import BUFFERED_LIMIT, NewDocument, Vault
from services.common.db import connect_pool
from services.common.migrations import migrate
from services.common.settings import Settings
from services.stack.s3proxy import S3ProxyServer


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3ProxyServer]:
    with running_s3proxy(tmp_path_factory.mktemp("s3-migrate")) as server:
        yield server


@pytest.fixture
def court_db(database_url: str) -> Iterator[str]:
    """A fresh database with the access schema, so the move touches no other test's data."""
    name = f"migrate_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = make_conninfo(database_url, dbname=name)
    migrate(url, "access")
    yield url
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def store_in_postgres(url: str, count: int, size: int = 40_000) -> list[bytes]:
    pool = connect_pool(url, schema="access", max_size=1)
    contents = [os.urandom(size + n) for n in range(count)]
    try:
        vault = Vault(pool)
        for content in contents:
            digest = hashlib.sha256(content).hexdigest()
            vault.store(NewDocument(filename="a.pdf", content=content, sha256=digest, pages=1))
    finally:
        pool.close()
    return contents


def locations(url: str) -> dict[str, str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return dict(conn.execute("SELECT sha256, location FROM access.contents").fetchall())


def chunk_rows(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM access.content_chunks").fetchone()
    return int(row[0]) if row else 0


def migrate_command(url: str, s3: S3ProxyServer, *args: str) -> subprocess.CompletedProcess[str]:
    settings = s3_env(s3) | {"OPENECF_DATABASE_URL": url, "OPENECF_DATA_DIR": str(Path.cwd())}
    return run_openecf("documents", "migrate-to-s3", *args, settings=settings, timeout=300)


def test_every_content_moves_verified_and_a_rerun_finds_nothing(
    court_db: str, s3: S3ProxyServer
) -> None:
    contents = store_in_postgres(court_db, 7)
    first = migrate_command(court_db, s3, "--batch-size", "3")
    assert first.returncode == 0, first.stderr
    assert "7 contents moved" in first.stdout
    assert set(locations(court_db).values()) == {"s3"}
    assert chunk_rows(court_db) == 0
    objects = S3ContentStore.from_settings(Settings().model_copy(update=s3_settings(s3)))
    pool = connect_pool(court_db, schema="access", max_size=1)
    try:
        backend = ObjectStoreContent(objects)
        vault = Vault(pool, writer=backend, readers=[backend])
        for content in contents:
            chunks = vault.verified_chunks(hashlib.sha256(content).hexdigest())
            assert b"".join(chunks) == content
    finally:
        pool.close()
    again = migrate_command(court_db, s3)
    assert again.returncode == 0, again.stderr
    assert "0 contents moved" in again.stdout


def test_damaged_content_is_reported_and_left_in_postgres(court_db: str, s3: S3ProxyServer) -> None:
    good, bad = store_in_postgres(court_db, 2)
    bad_digest = hashlib.sha256(bad).hexdigest()
    with psycopg.connect(court_db, autocommit=True) as conn:
        conn.execute(
            "UPDATE access.content_chunks SET data = set_byte(data, 0, (get_byte(data, 0) + 1)"
            " %% 256) WHERE sha256 = %s",
            [bad_digest],
        )
    result = migrate_command(court_db, s3)
    assert result.returncode == 1
    assert f"damaged: {bad_digest}" in result.stderr
    assert "Traceback" not in result.stderr
    assert locations(court_db) == {hashlib.sha256(good).hexdigest(): "s3", bad_digest: "postgres"}
    listed = raw_client(s3).list_objects_v2(Bucket=BUCKET, Prefix=f"documents/{bad_digest[:2]}/")
    assert all(
        o["Key"] != f"documents/{bad_digest[:2]}/{bad_digest}" for o in listed.get("Contents", [])
    )


def test_a_store_that_is_down_moves_nothing_and_says_so_in_one_line(
    court_db: str, s3: S3ProxyServer
) -> None:
    store_in_postgres(court_db, 2)
    s3.stop()
    try:
        result = migrate_command(court_db, s3)
    finally:
        s3.start()
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert set(locations(court_db).values()) == {"postgres"}
    assert chunk_rows(court_db) > 0
    resumed = migrate_command(court_db, s3)
    assert resumed.returncode == 0, resumed.stderr
    assert set(locations(court_db).values()) == {"s3"}


def test_a_reader_streaming_while_the_content_moves_gets_every_byte(
    court_db: str, s3: S3ProxyServer
) -> None:
    objects = S3ContentStore.from_settings(Settings().model_copy(update=s3_settings(s3)))
    pool = connect_pool(court_db, schema="access", max_size=2)
    try:
        content = os.urandom(BUFFERED_LIMIT + 2 * 1024 * 1024 + 5)
        digest = hashlib.sha256(content).hexdigest()
        reader = Vault(pool, readers=[ObjectStoreContent(objects)])  # writes PostgreSQL
        reader.store(NewDocument(filename="a.pdf", content=content, sha256=digest, pages=1))
        stream = iter(reader.verified_chunks(digest))  # verified in PostgreSQL, then streamed
        first = next(stream)
        report = migrate_to_object_store(pool, objects)  # the move happens mid-stream
        assert (report.moved, report.damaged) == (1, [])
        assert chunk_rows(court_db) == 0
        assert first + b"".join(stream) == content
    finally:
        pool.close()
