"""The caller's bearer token, forwarded to the services as gRPC metadata."""

from __future__ import annotations

from fastapi import Request

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
