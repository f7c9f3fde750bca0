from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import get_args

import pytest
from argon2 import Type, extract_parameters
from pydantic import ValidationError

from services.auth import passwords, validation
from services.auth.accounts import validate_new_account
from services.common.errors import CourtError
from services.common.settings import Argon2Profile, Settings, get_settings


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


@pytest.fixture
def profile(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets OPENECF_ARGON2_PROFILE as a new process would read it."""

    def use(name: str) -> None:
        monkeypatch.setenv("OPENECF_ARGON2_PROFILE", name)
        get_settings.cache_clear()
        passwords._hasher.cache_clear()
        passwords.dummy_hash.cache_clear()

    yield use
    monkeypatch.delenv("OPENECF_ARGON2_PROFILE", raising=False)
    get_settings.cache_clear()
    passwords._hasher.cache_clear()
    passwords.dummy_hash.cache_clear()


def test_the_default_profile_is_rfc_9106_low_memory_argon2id() -> None:
    assert set(passwords.PROFILES) == set(get_args(Argon2Profile))
    assert Settings().argon2_profile == "rfc9106-low-memory"
    made = extract_parameters(passwords.hash_password("correct horse staple 1776"))
    assert (made.type, made.memory_cost, made.time_cost, made.parallelism) == (
        Type.ID,
        64 * 1024,
        3,
        4,
    )


def test_a_court_may_choose_owasps_minimum_and_logins_move_hashes_to_it(
    profile: Callable[[str], None],
) -> None:
    default_hash = passwords.hash_password("correct horse staple 1776")
    profile("owasp-minimum")
    made = passwords.hash_password("correct horse staple 1776")
    params = extract_parameters(made)
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (
        Type.ID,
        19 * 1024,
        2,
        1,
    )
    # Either profile's hashes verify; one made with the other is due for a re-hash.
    assert passwords.verify_password(made, "correct horse staple 1776")
    assert passwords.verify_password(default_hash, "correct horse staple 1776")
    assert passwords.needs_rehash(default_hash) and not passwords.needs_rehash(made)
    profile("rfc9106-low-memory")
    assert passwords.needs_rehash(made) and not passwords.needs_rehash(default_hash)


def test_the_unknown_user_check_costs_a_real_verification_in_either_profile(
    profile: Callable[[str], None],
) -> None:
    for name in passwords.PROFILES:
        profile(name)
        # Made with today's parameters, so verifying against it costs what a real user's does.
        assert extract_parameters(passwords.dummy_hash()) == passwords.PROFILES[name]
        assert not passwords.verify_password(passwords.dummy_hash(), "wrong password 123")


def test_a_profile_is_named_never_made_of_free_numbers() -> None:
    with pytest.raises(ValidationError, match="argon2_profile"):
        Settings(argon2_profile="fast")  # type: ignore[arg-type]
