"""The caller's bearer token, forwarded to the services as gRPC metadata."""

from __future__ import annotations

import hashlib
import time

from court.v1 import auth_pb2
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from services.common.errors import CourtError
from services.common.grpc_client import CLIENT_ADDRESS, metadata_for
from services.common.identity import bearer_token

# What a header gRPC cannot carry is replaced by: auth refuses it like any bad token.
_MALFORMED = "malformed"


def client_metadata(request: Request) -> list[tuple[str, str]]:
    host = request.client.host if request.client else "unknown"
    return [(CLIENT_ADDRESS, host)]


def caller_metadata(request: Request) -> list[tuple[str, str]]:
    # The edge does not judge the token: every service verifies it through auth. It only
    # keeps bytes gRPC metadata cannot carry from turning a bad header into a crash.
    token = bearer_token(request.headers.get("authorization"))
    if token is not None and not (token.isascii() and token.isprintable()):
        token = _MALFORMED
    return metadata_for(token) + client_metadata(request)


# A session the edge saw alive is not asked about again for this long: the check only keeps
# anonymous and dead sessions from uploading, and the service that takes the upload verifies
# the session itself through auth (a logout is refused there at once, after the upload).
_ALIVE_SECONDS = 5.0
_ALIVE_MAX = 4096
_alive: dict[str, float] = {}  # token digest -> when the edge last saw it alive


def _seen_alive(key: str, now: float) -> bool:
    seen = _alive.get(key)
    return seen is not None and now - seen < _ALIVE_SECONDS


def _remember_alive(key: str, now: float) -> None:
    if len(_alive) >= _ALIVE_MAX:  # forget the stale, then (if needed) everything
        for stale in [k for k, seen in _alive.items() if now - seen >= _ALIVE_SECONDS]:
            del _alive[stale]
        if len(_alive) >= _ALIVE_MAX:
            _alive.clear()
    _alive[key] = now


async def require_session(request: Request) -> None:
    """Refuse an anonymous or dead session before a large body is read (uploads)."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None or not (token.isascii() and token.isprintable()):
        raise CourtError("unauthenticated", "log in first")
    key, now = hashlib.sha256(token.encode()).hexdigest(), time.monotonic()
    if _seen_alive(key, now):
        return
    await run_in_threadpool(
        request.app.state.clients.auth.ValidateSession,
        auth_pb2.ValidateSessionRequest(token=token),
        timeout=10,
    )
    _remember_alive(key, now)
