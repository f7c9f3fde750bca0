"""Password policy and argon2id hashing."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import Parameters, PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.common.errors import CourtError
from services.common.settings import Argon2Profile, get_settings

MIN_LENGTH = 12
# Long enough for any passphrase; short enough that hashing it cannot be a DoS.
MAX_LENGTH = 256

PROFILES: dict[Argon2Profile, Parameters] = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    "owasp-minimum": Parameters(
        type=Type.ID,
        version=19,
        salt_len=16,
        hash_len=32,
        time_cost=2,
        memory_cost=19 * 1024,
        parallelism=1,
    ),
}


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    """The court's profile (OPENECF_ARGON2_PROFILE), read once per process."""
    return PasswordHasher.from_parameters(PROFILES[get_settings().argon2_profile])


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def policy_violation(password: str, *, username: str) -> str | None:
    """Why ``password`` is not acceptable for ``username``, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters"
    lowered = password.lower()
    if username and username.lower() in lowered:
        return "the password must not contain the username"
    if lowered in _common_passwords() or len(set(password)) < 4:
        return "the password is too common; choose another"
    return None


def check_policy(password: str, *, username: str) -> None:
    reason = policy_violation(password, username=username)
    if reason:
        raise CourtError("validation_failed", reason, details={"field": "password"})


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's (an older, cheaper
    profile, or another argon2 variant). Only a login that has just proven the password can
    replace it, so the sessions service asks after a successful check."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return False


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A real hash of a random password in the court's profile: verifying against it when the
    user does not exist makes "unknown user" take as long as "wrong password"."""
    return _hasher().hash("not-a-real-password-2f8c1d")
