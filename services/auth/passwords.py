"""Password policy and argon2id hashing."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.common.errors import CourtError

MIN_LENGTH = 12
# Long enough for any passphrase; short enough that hashing it cannot be a DoS.
MAX_LENGTH = 256

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


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
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's (an older, cheaper
    profile, or another argon2 variant). Only a login that has just proven the password can
    replace it, so the sessions service asks after a successful check."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return False


# A real hash of a random password: verifying against it when the user does not exist
# makes "unknown user" take as long as "wrong password".
DUMMY_HASH = _hasher.hash("not-a-real-password-2f8c1d")
