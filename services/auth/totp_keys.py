"""TOTP secrets sealed at rest with AES-256-GCM.

A secret is stored as ``totp1:<key id>:<nonce>:<ciphertext>`` (base64url). The account id is
the associated data, so a sealed secret copied to another account's row does not open. The
keyring comes from OPENECF_AUTH_TOTP_KEYS (``id:<base64 32-byte key>,…``): the first key
seals, every listed key opens, so an operator rotates by putting a new key first, restarting
auth (which reseals every secret with it, see ``reseal_all``) and then dropping the old one.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import Connection

from services.common.settings import Settings

PREFIX = "totp1"
KEY_BYTES = 32
NONCE_BYTES = 12
LOCAL_KEY_FILE = "totp-keys"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SETTING = "OPENECF_AUTH_TOTP_KEYS"

log = logging.getLogger(__name__)


class TotpKeyError(ValueError):
    """The keyring setting is malformed, or a sealed secret cannot be opened."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _associated_data(account_id: str) -> bytes:
    return f"openecf:totp:{account_id}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


@dataclass(frozen=True)
class TotpKeyring:
    """Ordered keys by id; the first one seals."""

    keys: tuple[tuple[str, bytes], ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise TotpKeyError(f"{SETTING} lists no key")

    def __repr__(self) -> str:  # never print key material
        return f"TotpKeyring(ids={[key_id for key_id, _ in self.keys]})"

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @classmethod
    def parse(cls, text: str) -> TotpKeyring:
        """``id:<base64 32-byte key>,…`` → the keyring (TotpKeyError names the bad entry)."""
        keys: list[tuple[str, bytes]] = []
        for entry in filter(None, (part.strip() for part in text.replace("\n", ",").split(","))):
            key_id, colon, encoded = entry.partition(":")
            key_id = key_id.strip()
            if not colon or not _KEY_ID.match(key_id):
                raise TotpKeyError(f"{SETTING}: use id:<base64 key>,… (key ids: letters, digits)")
            try:
                raw = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise TotpKeyError(f"{SETTING}: key {key_id!r} is not base64") from None
            if len(raw) != KEY_BYTES:
                raise TotpKeyError(f"{SETTING}: key {key_id!r} is not {KEY_BYTES} bytes")
            if key_id in dict(keys):
                raise TotpKeyError(f"{SETTING}: key id {key_id!r} is listed twice")
            keys.append((key_id, raw))
        return cls(tuple(keys))

    def seal(self, account_id: str, secret: str) -> str:
        key_id, key = self.keys[0]
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, secret.encode(), _associated_data(account_id))
        return f"{PREFIX}:{key_id}:{_b64(nonce)}:{_b64(sealed)}"

    def open(self, account_id: str, stored: str) -> str:
        """The secret in ``stored``; TotpKeyError if it is not ours, was altered or moved."""
        parts = stored.split(":")
        if len(parts) != 4 or parts[0] != PREFIX:
            raise TotpKeyError("not a sealed TOTP secret")
        _, key_id, nonce, sealed = parts
        key = dict(self.keys).get(key_id)
        if key is None:
            raise TotpKeyError(f"TOTP key {key_id!r} is not in {SETTING}")
        try:
            plain = AESGCM(key).decrypt(_unb64(nonce), _unb64(sealed), _associated_data(account_id))
        except (InvalidTag, ValueError, binascii.Error):
            raise TotpKeyError("a sealed TOTP secret does not open for this account") from None
        return plain.decode()

    def open_or_none(self, account_id: str, stored: str) -> str | None:
        """The secret, or None (logged) when it does not open: the account's codes are then
        refused like wrong ones, never a 500, until an administrator removes the factor."""
        try:
            return self.open(account_id, stored)
        except TotpKeyError as exc:
            log.error(
                "a TOTP secret does not open", extra={"account_id": account_id, "why": str(exc)}
            )
            return None

    def needs_reseal(self, stored: str) -> bool:
        """Plain text from before sealing, or sealed with a key that is no longer first."""
        return not stored.startswith(f"{PREFIX}:{self.current_id}:")


def new_key_line(key_id: str = "k1") -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def _local_keyring(path: Path) -> TotpKeyring:
    """The local stack's key under its data folder, made once (0600 from the start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as out:
            out.write(new_key_line() + "\n")
    return TotpKeyring.parse(path.read_text())


def keyring_from_settings(settings: Settings) -> TotpKeyring:
    """OPENECF_AUTH_TOTP_KEYS if set (a deployment's Secret), else ``<data dir>/totp-keys``."""
    text = settings.auth_totp_keys.get_secret_value()
    if text.strip():
        return TotpKeyring.parse(text)
    return _local_keyring(settings.data_dir / LOCAL_KEY_FILE)


def reseal_all(conn: Connection[Any], keyring: TotpKeyring) -> int:
    """Seal every plain secret (from before sealing) and reseal those under an older key.

    Runs at auth's start in one transaction; idempotent (a row already sealed with the
    current key is left alone), and safe with several replicas starting at once (the rows
    are locked, and a replica that waited sees them already resealed).
    """
    rows = conn.execute(
        "SELECT account_id::text, mfa_secret, mfa_pending_secret FROM accounts"
        " WHERE (mfa_secret IS NOT NULL AND NOT starts_with(mfa_secret, %(current)s))"
        " OR (mfa_pending_secret IS NOT NULL AND NOT starts_with(mfa_pending_secret, %(current)s))"
        " FOR UPDATE",
        {"current": f"{PREFIX}:{keyring.current_id}:"},
    ).fetchall()
    resealed = 0
    for account_id, secret, pending in rows:
        try:
            values = [
                _resealed(keyring, account_id, secret),
                _resealed(keyring, account_id, pending),
            ]
        except TotpKeyError as exc:
            # Sealed with a key no longer listed: left as it is (login refuses its codes).
            log.error(
                "a TOTP secret does not open", extra={"account_id": account_id, "why": str(exc)}
            )
            continue
        conn.execute(
            "UPDATE accounts SET mfa_secret = %s, mfa_pending_secret = %s WHERE account_id = %s",
            [*values, account_id],
        )
        resealed += 1
    return resealed


def _resealed(keyring: TotpKeyring, account_id: str, stored: str | None) -> str | None:
    if stored is None or not keyring.needs_reseal(stored):
        return stored
    plain = keyring.open(account_id, stored) if is_sealed(stored) else stored
    return keyring.seal(account_id, plain)
