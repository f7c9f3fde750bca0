"""Sealing TOTP secrets at rest (the live scan: test_auth_secrets_at_rest)."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pyotp
import pytest
from pydantic import SecretStr

from services.auth.totp_keys import (
    TotpKeyError,
    TotpKeyring,
    is_sealed,
    keyring_from_settings,
    new_key_line,
)
from services.common.settings import Settings

ALICE = "7c0f4a52-3a0e-4b8e-9f0b-0d6f1f1b1a01"
BOB = "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5"
SECRET = pyotp.random_base32()


def _ring(*lines: str) -> TotpKeyring:
    return TotpKeyring.parse(",".join(lines))


def test_round_trip_and_the_secret_is_not_in_the_sealed_text() -> None:
    ring = _ring(new_key_line("k1"))
    sealed = ring.seal(ALICE, SECRET)
    assert is_sealed(sealed) and sealed.startswith("totp1:k1:")
    assert SECRET not in sealed
    assert base64.b32decode(SECRET).hex() not in sealed
    assert ring.open(ALICE, sealed) == SECRET
    # A fresh nonce each time: sealing the same secret twice gives different text.
    assert ring.seal(ALICE, SECRET) != sealed


def test_a_secret_copied_to_another_account_does_not_open() -> None:
    ring = _ring(new_key_line())
    with pytest.raises(TotpKeyError, match="does not open"):
        ring.open(BOB, ring.seal(ALICE, SECRET))


def test_a_tampered_secret_does_not_open() -> None:
    ring = _ring(new_key_line())
    prefix, key_id, nonce, body = ring.seal(ALICE, SECRET).split(":")
    flipped = ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(TotpKeyError):
        ring.open(ALICE, f"{prefix}:{key_id}:{nonce}:{flipped}")
    with pytest.raises(TotpKeyError):
        ring.open(ALICE, SECRET)  # plain text is not accepted as sealed


def test_an_unknown_key_id_or_a_wrong_key_does_not_open() -> None:
    sealed = _ring(new_key_line("old")).seal(ALICE, SECRET)
    with pytest.raises(TotpKeyError, match="'old' is not in OPENECF_AUTH_TOTP_KEYS"):
        _ring(new_key_line("new")).open(ALICE, sealed)
    # Same id, different key material (a mistaken rotation): refused, never garbage.
    with pytest.raises(TotpKeyError, match="does not open"):
        _ring(new_key_line("old")).open(ALICE, sealed)


def test_rotation_the_first_key_seals_every_key_opens() -> None:
    old, new = new_key_line("k1"), new_key_line("k2")
    sealed_before = _ring(old).seal(ALICE, SECRET)
    rotated = _ring(new, old)
    assert rotated.open(ALICE, sealed_before) == SECRET
    assert rotated.needs_reseal(sealed_before)
    assert rotated.needs_reseal(SECRET)  # plain text from before sealing
    resealed = rotated.seal(ALICE, SECRET)
    assert resealed.startswith("totp1:k2:") and not rotated.needs_reseal(resealed)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "lists no key"),
        ("nocolon", "use id:"),
        ("k1:not base64!", "not base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "not 32 bytes"),
        ("bad id:" + new_key_line().split(":")[1], "use id:"),
        (f"{new_key_line('k1')},{new_key_line('k1')}", "listed twice"),
    ],
    # Named by what they test: the keys are random, and pytest-xdist workers must agree on ids.
    ids=["empty", "no colon", "not base64", "short key", "bad id", "id twice"],
)
def test_a_malformed_setting_is_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(TotpKeyError, match=message):
        TotpKeyring.parse(text)


def test_the_keyring_never_prints_its_keys() -> None:
    line = new_key_line("k1")
    ring = _ring(line)
    assert line.split(":")[1] not in repr(ring)
    assert "k1" in repr(ring)


def test_the_local_stack_makes_one_key_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = keyring_from_settings(settings)
    path = tmp_path / "totp-keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keyring_from_settings(settings).keys == first.keys  # kept, not regenerated
    given = new_key_line("prod")
    from_setting = keyring_from_settings(
        Settings(data_dir=tmp_path, auth_totp_keys=SecretStr(given))
    )
    assert from_setting.current_id == "prod"
