"""The caller's bearer token, forwarded to the services as gRPC metadata."""

from __future__ import annotations

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


async def require_session(request: Request) -> None:
    """Refuse an anonymous or dead session before a large body is read (uploads)."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None or not (token.isascii() and token.isprintable()):
        raise CourtError("unauthenticated", "log in first")
    await run_in_threadpool(
        request.app.state.clients.auth.ValidateSession,
        auth_pb2.ValidateSessionRequest(token=token),
        timeout=10,
    )
