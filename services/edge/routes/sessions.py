"""Logging in and out."""

from __future__ import annotations

from court.v1 import auth_pb2
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.edge.session import caller_metadata, client_metadata
from services.edge.views import account_view, timestamp_view

router = APIRouter(prefix="/api/v1", tags=["sessions"])


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    otp: str = Field(default="", max_length=32)
    continue_existing: bool = False


@router.post("/sessions", status_code=201)
def log_in(body: LoginBody, request: Request) -> dict[str, object]:
    """Log in with PACER credentials (and the TOTP code once enrolled).

    409 `session_active` when a session is already open: send `continue_existing: true`
    to end it and start this one.
    """
    reply = request.app.state.clients.auth.Login(
        auth_pb2.LoginRequest(
            username=body.username,
            password=body.password,
            otp=body.otp,
            continue_existing=body.continue_existing,
        ),
        metadata=client_metadata(request),
        timeout=10,
    )
    return {
        "token": reply.token,
        "expires_at": timestamp_view(reply.expires_at),
        "account": account_view(reply.account),
    }


@router.delete("/sessions/current", status_code=204)
def log_out(request: Request) -> Response:
    request.app.state.clients.auth.Logout(
        auth_pb2.LogoutRequest(), metadata=caller_metadata(request), timeout=10
    )
    return Response(status_code=204)
