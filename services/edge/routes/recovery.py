"""Forgotten login or password, and attorney (bar) search."""

from __future__ import annotations

from court.v1 import auth_pb2, common_pb2
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.common import court
from services.edge.session import client_metadata

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class ReissueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)


class ResetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=1024)


@router.post("/credential-reissue", status_code=202)
def reissue(body: ReissueBody, request: Request) -> dict[str, str]:
    """Always 202: when the address is on an account, its owner gets an e-mail."""
    request.app.state.clients.auth.RequestCredentialReissue(
        auth_pb2.RequestCredentialReissueRequest(email=body.email),
        metadata=client_metadata(request),
        timeout=10,
    )
    return {"status": "if the address is registered, an e-mail is on its way"}


class ConfirmationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)


@router.post("/email-confirmations", status_code=204)
def confirm_email(body: ConfirmationBody, request: Request) -> Response:
    """Confirm a new primary or secondary address with the token mailed to it (once)."""
    request.app.state.clients.auth.ConfirmEmail(
        auth_pb2.ConfirmEmailRequest(token=body.token), timeout=10
    )
    return Response(status_code=204)


@router.post("/password-resets", status_code=204)
def reset_password(body: ResetBody, request: Request) -> Response:
    """Set a new password with the e-mailed token; every open session ends."""
    request.app.state.clients.auth.ResetPassword(
        auth_pb2.ResetPasswordRequest(token=body.token, new_password=body.new_password),
        timeout=10,
    )
    return Response(status_code=204)


@router.get(
    "/attorneys",
    responses={
        422: {"description": "`validation_failed`: give a name or a bar number"},
        429: {"description": "`rate_limited`: too many searches from this client (Retry-After)"},
    },
)
def search_attorneys(
    request: Request,
    name: str = Query(default="", max_length=100),
    bar_number: str = Query(default="", max_length=court.MAX_BAR_NUMBER),
    state: str = Query(default="", max_length=2, description="two-letter state of the bar"),
    limit: int = Query(default=25, ge=1, le=100),
) -> dict[str, object]:
    """The court's bar search, open without a login ("check to see if you have an ECF
    account"): name, bar number and state, firm, and whether registered to e-file. Nothing
    private: no account id, e-mail, phone or address."""
    reply = request.app.state.clients.auth.SearchAttorneys(
        auth_pb2.SearchAttorneysRequest(
            name=name,
            bar_number=bar_number,
            bar_state=state,
            page=common_pb2.PageRequest(page_size=limit),
        ),
        metadata=client_metadata(request),
        timeout=10,
    )
    return {
        "attorneys": [
            {
                "name": a.name,
                "bar_number": a.bar_number,
                "bar_state": a.bar_state,
                "firm": a.firm or None,
                "efiler_registered": a.efiler_registered,
            }
            for a in reply.attorneys
        ]
    }
