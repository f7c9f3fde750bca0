"""Service identities: Ed25519 tokens bound to a method, short-lived, accepted once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services.common.identity import (
    IdentityKeyError,
    ReplayGuard,
    ServiceVerifier,
    generate_keys,
    load_public_keys,
    private_key_path,
    signer_for,
)

PROCESSES = ("filing", "notify", "edge")
STORE = "/court.v1.AccessService/StoreDocument"
NOW = 1_000_000.0


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    generate_keys(tmp_path / "keys", PROCESSES)
    return tmp_path / "keys"


def verifier(keys: Path, ttl: float = 30) -> ServiceVerifier:
    return ServiceVerifier(load_public_keys(keys, PROCESSES), ttl_seconds=ttl)


def test_a_token_names_its_signer_once(keys: Path) -> None:
    check = verifier(keys)
    token = signer_for(keys, "filing").token(STORE, now=NOW)
    assert check.verify(token, STORE, now=NOW + 1) == "filing"
    assert check.verify(token, STORE, now=NOW + 2) is None  # replayed


def test_a_token_is_bound_to_its_method_and_expires(keys: Path) -> None:
    check = verifier(keys, ttl=30)
    filing = signer_for(keys, "filing")
    assert (
        check.verify(filing.token(STORE, now=NOW), "/court.v1.AccessService/IssueFreeLook") is None
    )
    assert check.verify(filing.token(STORE, now=NOW), STORE, now=NOW + 31) is None  # stale
    assert check.verify(filing.token(STORE, now=NOW + 60), STORE, now=NOW) is None  # future
    assert check.verify(filing.token(STORE, now=NOW), STORE, now=NOW + 29) == "filing"


def test_one_services_key_cannot_sign_as_another(keys: Path) -> None:
    check = verifier(keys)
    token = signer_for(keys, "edge").token(STORE, now=NOW)
    claimed = "filing" + token[len("edge") :]  # the edge's signature, filing's name
    assert check.verify(claimed, STORE, now=NOW) is None
    assert check.verify(token, STORE, now=NOW) == "edge"
    for garbage in ("", "garbage", "filing:1:2:3", "filing:x:" + "a" * 32 + ":sig"):
        assert check.verify(garbage, STORE, now=NOW) is None


def test_a_service_without_a_public_key_is_never_trusted(keys: Path) -> None:
    check = ServiceVerifier(load_public_keys(keys, ("notify",)), ttl_seconds=30)
    assert check.verify(signer_for(keys, "filing").token(STORE, now=NOW), STORE, now=NOW) is None


def test_private_keys_are_readable_by_their_owner_only(keys: Path) -> None:
    for process in PROCESSES:
        mode = stat.S_IMODE(private_key_path(keys, process).stat().st_mode)
        assert mode == 0o600, (process, oct(mode))
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    before = private_key_path(keys, "edge").read_bytes()
    generate_keys(keys, PROCESSES)  # a second run keeps the keys
    assert private_key_path(keys, "edge").read_bytes() == before


def test_a_missing_private_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IdentityKeyError, match="filing's identity key"):
        signer_for(tmp_path, "filing")


def test_the_replay_guard_forgets_expired_nonces_and_refuses_when_full() -> None:
    guard = ReplayGuard(max_entries=2)
    assert guard.first_use("a", expires=10, now=0)
    assert not guard.first_use("a", expires=10, now=0)
    assert guard.first_use("b", expires=10, now=0)
    assert not guard.first_use("c", expires=10, now=0)  # full of live nonces
    assert guard.first_use("c", expires=30, now=11)  # a and b expired
