"""The vault on a real S3-compatible store (S3Proxy): content-addressed objects, checksums on
write and read, no chunks in PostgreSQL, and a store that is down refusing cleanly — in the
vault and for a filing through the edge."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from access_kit import AccessKit
from pydantic import SecretStr
from support.api import Api, efiler, file, petition
from support.object_store import BUCKET, raw_client, running_s3proxy, s3_settings
from support.pdf_corpus import text_pdf

from services.access.backends import ObjectStoreContent, PostgresContent
from services.access.objects import S3ContentStore
from services.access.vault import BUFFERED_LIMIT, ContentCorrupted, NewDocument, Vault
from services.common.db import connect_pool
from services.common.errors import CourtError
from services.common.settings import Settings
from services.stack.s3proxy import S3ProxyServer
from services.stack.supervisor import LocalStack


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3ProxyServer]:
    with running_s3proxy(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture(scope="module")
def objects(s3: S3ProxyServer) -> S3ContentStore:
    return S3ContentStore.from_settings(Settings().model_copy(update=s3_settings(s3)))


@pytest.fixture(scope="module")
def vault(database_url: str, objects: S3ContentStore) -> Iterator[Vault]:
    pool = connect_pool(database_url, schema="access", max_size=2)
    backend = ObjectStoreContent(objects)
    yield Vault(pool, writer=backend, readers=[backend])
    pool.close()


def new_document(size: int = 50_000) -> NewDocument:
    content = os.urandom(size)
    return NewDocument(
        filename="brief.pdf", content=content, sha256=hashlib.sha256(content).hexdigest(), pages=3
    )


def rows(database_url: str, query: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(query, list(params)).fetchall()


def test_content_goes_to_one_object_and_metadata_stays_in_postgres(
    vault: Vault, objects: S3ContentStore, s3: S3ProxyServer, database_url: str
) -> None:
    document = new_document()
    first, second = vault.store(document), vault.store(document)
    assert first != second  # two documents, one content
    digest = document.sha256
    assert rows(database_url, "SELECT location FROM access.contents WHERE sha256 = %s", digest) == [
        ("s3",)
    ]
    chunks = "SELECT count(*) FROM access.content_chunks WHERE sha256 = %s"
    assert rows(database_url, chunks, digest) == [(0,)]
    listed = raw_client(s3).list_objects_v2(Bucket=BUCKET, Prefix=objects.key(digest))
    assert [o["Key"] for o in listed["Contents"]] == [f"documents/{digest[:2]}/{digest}"]
    assert b"".join(vault.verified_chunks(digest)) == document.content


def test_a_large_document_streams_from_ranged_reads(vault: Vault) -> None:
    document = new_document(BUFFERED_LIMIT + 3 * 1024 * 1024 + 17)
    vault.store(document)
    chunks = vault.verified_chunks(document.sha256)
    assert not isinstance(chunks, list)  # streamed, not buffered
    assert b"".join(chunks) == document.content


@pytest.mark.parametrize("damage", ["altered", "deleted"])
def test_a_damaged_or_missing_object_is_never_served(
    vault: Vault, objects: S3ContentStore, s3: S3ProxyServer, damage: str
) -> None:
    document = new_document()
    vault.store(document)
    client, key = raw_client(s3), objects.key(document.sha256)
    if damage == "altered":
        client.put_object(Bucket=BUCKET, Key=key, Body=b"X" + document.content[1:])
    else:
        client.delete_object(Bucket=BUCKET, Key=key)
    with pytest.raises(ContentCorrupted):
        vault.verified_chunks(document.sha256)


def test_a_store_that_is_down_refuses_and_writes_nothing(
    vault: Vault, s3: S3ProxyServer, database_url: str
) -> None:
    stored = new_document()
    vault.store(stored)
    document = new_document()
    s3.stop()
    try:
        with pytest.raises(CourtError) as refused:
            vault.store(document)
        assert refused.value.code == "unavailable"
        with pytest.raises(CourtError) as unreadable:
            vault.verified_chunks(stored.sha256)
        assert unreadable.value.code == "unavailable"  # not an integrity alarm
    finally:
        s3.start()
    for table in ("contents", "documents"):
        query = f"SELECT count(*) FROM access.{table} WHERE sha256 = %s"
        assert rows(database_url, query, document.sha256) == [(0,)]
    vault.store(document)  # back up: the same document stores
    assert b"".join(vault.verified_chunks(document.sha256)) == document.content


def test_older_content_in_postgres_stays_readable(
    database_url: str, objects: S3ContentStore
) -> None:
    pool = connect_pool(database_url, schema="access", max_size=2)
    try:
        document = new_document()
        Vault(pool).store(document)  # the default: PostgreSQL
        s3_vault = Vault(pool, writer=ObjectStoreContent(objects), readers=[PostgresContent()])
        assert b"".join(s3_vault.verified_chunks(document.sha256)) == document.content
    finally:
        pool.close()


@pytest.fixture
def access_on_s3(stack: LocalStack, s3: S3ProxyServer) -> Iterator[None]:
    """The stack's access service restarted with the object store as its document store."""
    before = stack.settings
    stack.settings = before.model_copy(update=s3_settings(s3))
    stack.restart_child("access")
    try:
        yield
    finally:
        stack.settings = before
        stack.restart_child("access")


def test_a_filing_while_the_store_is_down_is_refused_whole(
    access_on_s3: None,
    s3: S3ProxyServer,
    edge_url: str,
    clerk: Api,
    kit: AccessKit,
) -> None:
    attorney = efiler(edge_url, clerk)
    # A PDF no earlier test stored: content already in the vault would need no write at all.
    lead = text_pdf([[f"Opening brief {uuid.uuid4()}", "The petitioner asks for review."]])
    digest = hashlib.sha256(lead).hexdigest()
    key = str(uuid.uuid4())
    s3.stop()
    try:
        refused = file(attorney, petition(), lead, (), key=key)
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "unavailable"
        assert kit.sql("SELECT count(*) FROM access.contents WHERE sha256 = %s", digest) == [(0,)]
        assert kit.sql("SELECT count(*) FROM access.documents WHERE sha256 = %s", digest) == [(0,)]
    finally:
        s3.start()
    accepted = file(attorney, petition(), lead, (), key=key)  # the same filing, retried
    assert accepted.status_code == 201, accepted.text
    assert kit.sql("SELECT location FROM access.contents WHERE sha256 = %s", digest) == [("s3",)]
    head = raw_client(s3).head_object(Bucket=BUCKET, Key=f"documents/{digest[:2]}/{digest}")
    assert head["ContentLength"] == len(lead)


def test_s3_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs OPENECF_S3_BUCKET"):
        Settings(document_store="s3")
    with pytest.raises(ValueError, match="AES256 or aws:kms"):
        Settings(s3_sse="rot13")
    settings = Settings(s3_bucket="b", s3_secret_access_key=SecretStr("s3-hunter2"))
    assert "hunter2" not in repr(settings)
