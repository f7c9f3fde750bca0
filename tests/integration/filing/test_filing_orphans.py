"""Documents become durable only with their filing: the orphan sweep (filing.attempts) against
the real database and the real access service.

The sweep runs here in the test process, on filing's own schema, with a grace period the test
chooses; the services' own periodic sweep (default grace: 10 minutes) never reaches these
attempts first. The end-to-end case (a duplicate burst and a failed commit through the edges,
reclaimed by the services' own sweep) is in tests/faults.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from services.common.db import connect_pool
from services.common.errors import CourtError
from services.common.grpc_client import open_channel
from services.common.identity import service_signer
from services.filing import attempts
from services.filing.vault import Vault
from services.stack.supervisor import LocalStack


@pytest.fixture(scope="module")
def filing_pool(database_url: str) -> Iterator[ConnectionPool]:
    pool = connect_pool(database_url, schema="filing", max_size=2)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def vault(stack: LocalStack) -> Iterator[Vault]:
    """Access's vault as the filing service reaches it (filing's identity)."""
    channel = open_channel(
        stack.settings.grpc_addr("access"), signer=service_signer(stack.settings, "filing")
    )
    yield Vault(channel)
    channel.close()


def _store(vault: Vault, filing_id: str) -> str:
    content = b"%PDF-1.7 orphan test " + uuid.uuid4().bytes
    return vault.store(
        filing_id=filing_id,
        filename="lead.pdf",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        pages=1,
        case_number="",
    )


def _documents(database_url: str, filing_id: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM access.documents WHERE filing_id = %s", [filing_id]
        ).fetchone()
    assert row is not None
    return int(row[0])


def _age(database_url: str, filing_id: str, seconds: int) -> None:
    """Make an attempt look older than it is (the grace period counts from started_at)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE filing.filing_attempts SET started_at = now() - make_interval(secs => %s)"
            " WHERE filing_id = %s",
            [seconds, filing_id],
        )


def test_an_attempt_past_its_grace_loses_its_documents_and_can_no_longer_commit(
    filing_pool: ConnectionPool, vault: Vault, database_url: str
) -> None:
    stale, in_flight = str(uuid.uuid4()), str(uuid.uuid4())
    for filing_id in (stale, in_flight):
        with filing_pool.connection() as conn:
            attempts.begin(conn, filing_id)
        _store(vault, filing_id)
        _store(vault, filing_id)
    _age(database_url, stale, 120)

    attempts.sweep(filing_pool, vault, grace_seconds=60)

    assert _documents(database_url, stale) == 0
    assert _documents(database_url, in_flight) == 2  # still within its grace: untouched
    with pytest.raises(CourtError) as refused, filing_pool.connection() as conn:
        attempts.complete(conn, stale)  # the submit that was too slow cannot commit now
    assert refused.value.code == "unavailable"
    with filing_pool.connection() as conn:
        attempts.complete(conn, in_flight)  # it commits: its documents are its filing's
    _age(database_url, in_flight, 120)  # (no row is left to age)
    attempts.sweep(filing_pool, vault, grace_seconds=60)
    assert _documents(database_url, in_flight) == 2


def test_a_failed_submit_reclaims_its_documents_at_once_and_a_committed_one_keeps_them(
    filing_pool: ConnectionPool, vault: Vault, database_url: str
) -> None:
    failed, committed = str(uuid.uuid4()), str(uuid.uuid4())
    for filing_id in (failed, committed):
        with filing_pool.connection() as conn:
            attempts.begin(conn, filing_id)
        _store(vault, filing_id)
    with filing_pool.connection() as conn:
        attempts.complete(conn, committed)

    attempts.give_up(filing_pool, vault, failed)
    attempts.give_up(filing_pool, vault, committed)  # e.g. the commit's reply was lost

    assert _documents(database_url, failed) == 0
    assert _documents(database_url, committed) == 1


def test_discarding_keeps_content_another_document_shares(
    filing_pool: ConnectionPool, vault: Vault, database_url: str
) -> None:
    content = b"%PDF-1.7 shared " + uuid.uuid4().bytes
    sha256 = hashlib.sha256(content).hexdigest()
    orphan, kept = str(uuid.uuid4()), str(uuid.uuid4())
    for filing_id in (orphan, kept):
        vault.store(
            filing_id=filing_id,
            filename="same.pdf",
            content=content,
            sha256=sha256,
            pages=1,
            case_number="",
        )
    assert vault.discard(orphan) == 1
    assert vault.discard(orphan) == 0  # twice (two replicas' sweeps) removes it once
    with psycopg.connect(database_url, autocommit=True) as conn:
        chunks = conn.execute(
            "SELECT count(*) FROM access.content_chunks WHERE sha256 = %s", [sha256]
        ).fetchone()
    assert chunks == (1,)
    assert _documents(database_url, kept) == 1
