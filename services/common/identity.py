"""Who is calling: a person's session token, or another service's signed identity.

The interceptor stores the caller's credentials for the duration of one RPC. A session
token is only a claim until auth verifies it; a service identity is an HMAC over the
service name and a timestamp with a key only the services hold, valid for a short window.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

AUTHORIZATION = "authorization"
SERVICE_IDENTITY = "x-openecf-service"
SERVICE_TOKEN_TTL_SECONDS = 300


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


def _mac(secret: bytes, service: str, issued: int) -> str:
    return hmac.new(secret, f"{service}:{issued}".encode(), hashlib.sha256).hexdigest()


def sign_service_token(service: str, secret: str, *, now: float | None = None) -> str:
    if not secret:
        raise RuntimeError("OPENECF_SERVICE_SECRET is not set: services cannot identify themselves")
    issued = int(now if now is not None else time.time())
    return f"{service}:{issued}:{_mac(secret.encode(), service, issued)}"


def verify_service_token(token: str | None, secret: str, *, now: float | None = None) -> str | None:
    """The service name when ``token`` is genuine and fresh, else None."""
    if not token or not secret:
        return None
    parts = token.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    service, issued_text, mac = parts
    issued = int(issued_text)
    current = now if now is not None else time.time()
    if abs(current - issued) > SERVICE_TOKEN_TTL_SECONDS:
        return None
    if not hmac.compare_digest(mac, _mac(secret.encode(), service, issued)):
        return None
    return service
