"""Who is calling: a person's session token, or another service's signed identity.

The interceptor stores the caller's credentials for the duration of one RPC. A session
token is only a claim until auth verifies it. A service identity is a token signed with
that service's own Ed25519 key over its name, the method called, the time and a nonce:
a process holds only its own private key and every service's public key, so the edge
cannot sign as `filing` or `notify`; a token binds one method, expires quickly, and is
accepted once (a nonce seen before is refused): by this process for every call, and by every
replica of the service for calls that write (services/common/nonces.py).
"""

from __future__ import annotations

import base64
import contextvars
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.common.settings import PROCESS_NAMES, Settings

AUTHORIZATION = "authorization"
SERVICE_IDENTITY = "x-openecf-service"
# Clocks of two pods may differ a little: a token from slightly in the future is accepted.
CLOCK_SKEW_SECONDS = 5
_VERSION = "v1"


class IdentityKeyError(RuntimeError):
    """This process's key, or the folder of keys, is missing or unreadable."""


@dataclass(frozen=True)
class Caller:
    session_token: str | None = None  # unverified: ask auth
    service: str | None = None  # verified service name
    # Per-call memo (the resolved principal): a new Caller per RPC, so nothing leaks across calls.
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)


_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)


def current_caller() -> Caller:
    return _caller.get() or Caller()


@contextmanager
def caller_context(caller: Caller) -> Iterator[Caller]:
    token = _caller.set(caller)
    try:
        yield caller
    finally:
        _caller.reset(token)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


# -- keys on disk: <dir>/<process>.key (private, this process only) and <dir>/<process>.pub --


def private_key_path(keys_dir: Path, process: str) -> Path:
    return keys_dir / f"{process}.key"


def public_key_path(keys_dir: Path, process: str) -> Path:
    return keys_dir / f"{process}.pub"


def generate_keys(keys_dir: Path, processes: tuple[str, ...]) -> None:
    """Make a key pair for each process that has none (the local stack; `openecf keys`). A key
    already there is kept once it reads as one: a damaged file is an IdentityKeyError naming it,
    never passed over (the public keys line would lack that process)."""
    if not keys_dir.is_dir():
        # Only a folder made here is made private: an existing one (`--dir .`, a checkout)
        # keeps the mode its owner gave it, and the keys themselves are 0600 anyway.
        keys_dir.mkdir(mode=0o700, parents=True)
    for process in processes:
        if private_key_path(keys_dir, process).exists():
            _check_pair(keys_dir, process)
        else:
            _new_pair(keys_dir, process)


def _new_pair(keys_dir: Path, process: str) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start: the key is never readable by others, even briefly.
    descriptor = os.open(
        private_key_path(keys_dir, process), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
    )
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    _write_public_key(public_key_path(keys_dir, process), key.public_key())


def _check_pair(keys_dir: Path, process: str) -> None:
    """An existing pair: both files readable, the public key the private key's own."""
    key = read_private_key(private_key_path(keys_dir, process)).public_key()
    public_path = public_key_path(keys_dir, process)
    if not public_path.exists():  # lost: its private key says what it was
        _write_public_key(public_path, key)
    elif read_public_key(public_path) != key:
        raise IdentityKeyError(f"{public_path}: not the public key of {process}.key beside it")


def _write_public_key(path: Path, key: Ed25519PublicKey) -> None:
    path.write_bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _why_unreadable(exc: OSError | ValueError, kind: str) -> str:
    # cryptography's own message is a paragraph with a link; the shell's words for an OSError.
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else f"not a PEM {kind}"


def read_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path`` (PEM), or IdentityKeyError naming the file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise IdentityKeyError(f"{path}: {_why_unreadable(exc, 'private key')}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise IdentityKeyError(f"{path}: not an Ed25519 private key")
    return key


def read_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in ``path`` (PEM), or IdentityKeyError naming the file."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise IdentityKeyError(f"{path}: {_why_unreadable(exc, 'public key')}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise IdentityKeyError(f"{path}: not an Ed25519 public key")
    return key


def load_private_key(keys_dir: Path, process: str) -> Ed25519PrivateKey:
    try:
        return read_private_key(private_key_path(keys_dir, process))
    except IdentityKeyError as exc:
        raise IdentityKeyError(
            f"cannot read {process}'s identity key (OPENECF_SERVICE_KEYS_DIR): {exc}"
        ) from None


def load_public_keys(keys_dir: Path, processes: tuple[str, ...]) -> dict[str, Ed25519PublicKey]:
    """Every readable `<process>.pub`; a process without one is simply never trusted."""
    keys: dict[str, Ed25519PublicKey] = {}
    for process in processes:
        try:
            keys[process] = read_public_key(public_key_path(keys_dir, process))
        except IdentityKeyError:
            continue
    return keys


# -- tokens: service:issued:nonce:signature, the signature over the method too --------------


def _message(service: str, method: str, issued: int, nonce: str) -> bytes:
    return f"openecf-service-{_VERSION}\n{service}\n{method}\n{issued}\n{nonce}".encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class ServiceSigner:
    """This process's identity: its name and its own private key."""

    service: str
    key: Ed25519PrivateKey

    def token(self, method: str, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        nonce = secrets.token_hex(16)
        signature = self.key.sign(_message(self.service, method, issued, nonce))
        return f"{self.service}:{issued}:{nonce}:{_b64(signature)}"


class NonceGuard(Protocol):
    def first_use(self, nonce: str, *, expires: float, now: float, method: str) -> bool:
        """Whether ``nonce`` is new (and now taken) for a call of ``method``."""
        ...


class ReplayGuard:
    """Nonces seen in the last few seconds; a token comes through once per process."""

    def __init__(self, *, max_entries: int = 500_000) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._max = max_entries
        self._next_prune = 0.0

    def first_use(self, nonce: str, *, expires: float, now: float, method: str = "") -> bool:
        with self._lock:
            if now >= self._next_prune or len(self._seen) >= self._max:
                self._seen = {key: until for key, until in self._seen.items() if until > now}
                self._next_prune = now + 1.0
            if nonce in self._seen:
                return False
            if len(self._seen) >= self._max:
                return False  # full of live nonces: refuse rather than forget one
            self._seen[nonce] = expires
            return True


class ServiceVerifier:
    """Checks service tokens against the services' public keys."""

    def __init__(
        self,
        public_keys: dict[str, Ed25519PublicKey],
        *,
        ttl_seconds: float,
        replay: NonceGuard | None = None,
    ) -> None:
        self._keys = public_keys
        self._ttl = ttl_seconds
        self._replay: NonceGuard = replay or ReplayGuard()

    def verify(self, token: str | None, method: str, *, now: float | None = None) -> str | None:
        """The service name when ``token`` is genuine, fresh, for ``method`` and unused."""
        if not token:
            return None
        parts = token.split(":")
        if len(parts) != 4 or not parts[1].isdigit():
            return None
        service, issued_text, nonce, signature_text = parts
        key = self._keys.get(service)
        if key is None or not 16 <= len(nonce) <= 64:
            return None
        issued = int(issued_text)
        current = now if now is not None else time.time()
        if not (current - self._ttl <= issued <= current + CLOCK_SKEW_SECONDS):
            return None
        try:
            key.verify(_unb64(signature_text), _message(service, method, issued, nonce))
        except (InvalidSignature, ValueError):
            return None
        expires = issued + self._ttl + CLOCK_SKEW_SECONDS
        if not self._replay.first_use(
            f"{service}:{nonce}", expires=expires, now=current, method=method
        ):
            return None
        return service


def signer_for(keys_dir: Path, process: str) -> ServiceSigner:
    return ServiceSigner(service=process, key=load_private_key(keys_dir, process))


# -- keys given as settings (a Kubernetes Secret and ConfigMap) instead of a folder ----------


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(
        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()


def parse_public_keys(text: str) -> dict[str, Ed25519PublicKey]:
    """``auth=<base64 of the raw 32-byte key>,filing=…`` → the keys (ValueError if malformed)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        name, _, encoded = entry.partition("=")
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
            keys[name.strip()] = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise ValueError(
                f"{name.strip() or entry!r}: not a base64 Ed25519 public key"
            ) from None
    return keys


def public_keys_line(keys_dir: Path, processes: tuple[str, ...]) -> str:
    """The OPENECF_SERVICE_PUBLIC_KEYS value for the keys in ``keys_dir``: a process without a
    `.pub` is left out, one whose `.pub` is damaged is an IdentityKeyError naming it."""
    paths = {process: public_key_path(keys_dir, process) for process in processes}
    return ",".join(
        f"{process}={public_key_text(read_public_key(path))}"
        for process, path in paths.items()
        if path.exists()
    )


def service_signer(settings: Settings, process: str) -> ServiceSigner:
    """This process's signer: OPENECF_SERVICE_PRIVATE_KEY (PEM) if set, else the keys folder."""
    pem = settings.service_private_key.get_secret_value()
    if not pem:
        return signer_for(settings.keys_dir, process)
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except ValueError:
        raise IdentityKeyError("OPENECF_SERVICE_PRIVATE_KEY is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise IdentityKeyError("OPENECF_SERVICE_PRIVATE_KEY is not an Ed25519 key")
    return ServiceSigner(service=process, key=key)


def service_verifier(settings: Settings, replay: NonceGuard | None = None) -> ServiceVerifier:
    """OPENECF_SERVICE_PUBLIC_KEYS if set, else every `<process>.pub` in the keys folder."""
    if settings.service_public_keys:
        keys = parse_public_keys(settings.service_public_keys)
    else:
        keys = load_public_keys(settings.keys_dir, PROCESS_NAMES)
    return ServiceVerifier(keys, ttl_seconds=settings.service_token_seconds, replay=replay)
