from __future__ import annotations

import pytest

from services.auth import passwords, validation
from services.auth.accounts import validate_new_account
from services.common.errors import CourtError


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 12"),
        ("x" * 257, "at most 256"),
        ("my-jdoe-password-2026", "must not contain the username"),
        ("Password1234", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
    ],
)
def test_policy_refuses_weak_passwords(password: str, reason: str) -> None:
    assert reason in (passwords.policy_violation(password, username="JDoe") or "")


def test_policy_accepts_a_passphrase() -> None:
    assert passwords.policy_violation("correct horse staple 1776", username="jdoe") is None


def test_hashes_are_argon2id_and_verify() -> None:
    hashed = passwords.hash_password("correct horse staple 1776")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "correct horse staple 1776")
    assert not passwords.verify_password(hashed, "correct horse staple 1777")
    assert not passwords.verify_password("not a hash", "x")


@pytest.mark.parametrize(
    "email", ["a@b", "no at sign", "a@@b.org", "a b@c.org", "x" * 250 + "@b.org"]
)
def test_bad_emails_are_refused(email: str) -> None:
    with pytest.raises(CourtError) as raised:
        validation.email(email)
    assert raised.value.code == "validation_failed"


def test_account_text_refuses_control_characters_and_normalises_unicode() -> None:
    base = dict(
        username="jdoe1",
        password="correct horse staple 1776",
        email="j@x.example",
        role="public",
    )
    assert validate_new_account(**base, name="  Jose\u0301 ").name == "José"
    with pytest.raises(CourtError) as raised:
        validate_new_account(**base, name="a\x00b")
    assert raised.value.code == "invalid_text"
    with pytest.raises(CourtError) as raised:
        validation.email("a\x00b@x.example")
    assert raised.value.code == "validation_failed"


def test_attorneys_need_a_bar_number_and_state() -> None:
    base = dict(
        username="atty1",
        password="correct horse staple 1776",
        name="A. Counsel",
        email="a@firm.example",
        role="attorney",
    )
    with pytest.raises(CourtError) as raised:
        validate_new_account(**base)
    assert raised.value.details["field"] == "bar_number"
    account = validate_new_account(**base, bar_number="12345", bar_state="ca")
    assert (account.bar_number, account.bar_state) == ("12345", "CA")


def test_a_hash_made_with_other_parameters_needs_a_rehash() -> None:
    from argon2 import PasswordHasher, Type

    current = passwords.hash_password("correct horse staple 1776")
    assert not passwords.needs_rehash(current)
    # Cheaper than today's profile (as an older release or library default made them), or
    # another argon2 variant: still verifies, and is due for an upgrade.
    for older in (
        PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1),
        PasswordHasher(type=Type.I),
    ):
        old_hash = older.hash("correct horse staple 1776")
        assert passwords.verify_password(old_hash, "correct horse staple 1776")
        assert passwords.needs_rehash(old_hash)
    assert not passwords.needs_rehash("not a hash")
