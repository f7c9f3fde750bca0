"""Replay protection across replicas: two verifiers of one service (two replicas, two
pools on the service's real schema) take a token for a call that writes only once between
them; reads stay per process; used nonces are pruned after they expire; a database that does
not answer refuses the call as retryable, never lets it through."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg_pool import ConnectionPool

from services.common.db import connect_pool
from services.common.errors import CourtError
from services.common.identity import ServiceSigner, ServiceVerifier
from services.common.nonces import SharedReplayGuard

WRITE = "/court.v1.AccessService/StoreDocument"
READ = "/court.v1.AccessService/GetDocument"
KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def pools(database_url: str) -> Iterator[tuple[ConnectionPool, ConnectionPool]]:
    first = connect_pool(database_url, schema="access", max_size=1)
    second = connect_pool(database_url, schema="access", max_size=1)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _replica(pool: ConnectionPool) -> ServiceVerifier:
    return ServiceVerifier(
        {"filing": KEY.public_key()}, ttl_seconds=30, replay=SharedReplayGuard(pool)
    )


def test_a_token_for_a_write_is_taken_once_by_all_replicas(
    pools: tuple[ConnectionPool, ConnectionPool],
) -> None:
    one, two = (_replica(pool) for pool in pools)
    token = ServiceSigner(service="filing", key=KEY).token(WRITE)
    assert one.verify(token, WRITE) == "filing"
    assert two.verify(token, WRITE) is None  # captured and replayed to the other replica
    assert one.verify(token, WRITE) is None
    fresh = ServiceSigner(service="filing", key=KEY).token(WRITE)
    assert two.verify(fresh, WRITE) == "filing"


def test_a_token_for_a_read_is_taken_once_per_replica(
    pools: tuple[ConnectionPool, ConnectionPool],
) -> None:
    one, two = (_replica(pool) for pool in pools)
    token = ServiceSigner(service="filing", key=KEY).token(READ)
    assert one.verify(token, READ) == "filing"
    assert one.verify(token, READ) is None
    # The documented trade-off: a replayed read returns what the original call returned.
    assert two.verify(token, READ) == "filing"
    with pools[0].connection() as conn:
        row = conn.execute(
            "SELECT count(*) FROM service_nonces WHERE nonce LIKE %s",
            (f"filing:{token.split(':')[2]}",),
        ).fetchone()
    assert row == (0,)  # no row per read


def test_expired_nonces_are_pruned(pools: tuple[ConnectionPool, ConnectionPool]) -> None:
    pool = pools[0]
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO service_nonces (nonce, expires_at)"
            " VALUES ('filing:expired-test', now() - interval '1 minute')"
        )
    verifier = _replica(pool)  # a new guard prunes on its first write
    assert verifier.verify(ServiceSigner(service="filing", key=KEY).token(WRITE), WRITE)
    with pool.connection() as conn:
        left = conn.execute(
            "SELECT count(*) FROM service_nonces WHERE expires_at < now()"
        ).fetchone()
    assert left == (0,)


def test_a_database_that_does_not_answer_refuses_the_write_as_retryable(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    missing = tmp_path_factory.mktemp("no-database")
    pool: ConnectionPool = ConnectionPool(
        f"host={missing} dbname=postgres", min_size=1, open=False, timeout=1
    )
    pool.open(wait=False)
    try:
        verifier = _replica(pool)
        token = ServiceSigner(service="filing", key=KEY).token(WRITE)
        started = time.monotonic()
        with pytest.raises(CourtError) as refused:
            verifier.verify(token, WRITE)
        assert refused.value.code == "unavailable"
        assert time.monotonic() - started < 10
        # A read needs no shared record, so it still passes.
        assert verifier.verify(ServiceSigner(service="filing", key=KEY).token(READ), READ)
    finally:
        pool.close(timeout=1)
