"""Accounts: registration."""

from __future__ import annotations

from typing import Literal

from court.v1 import auth_pb2, common_pb2
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from services.common import court
from services.edge.views import account_view

router = APIRouter(prefix="/api/v1", tags=["accounts"])

_ROLES = {
    "public": common_pb2.ROLE_PUBLIC,
    "attorney": common_pb2.ROLE_ATTORNEY,
    "pro_se": common_pb2.ROLE_PRO_SE,
}


class RegisterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    name: str = Field(max_length=court.MAX_PERSON_NAME)
    email: str = Field(max_length=254)
    role: Literal["public", "attorney", "pro_se"]
    bar_number: str = Field(default="", max_length=court.MAX_BAR_NUMBER)
    bar_state: str = Field(default="", max_length=2)
    firm: str = Field(default="", max_length=court.MAX_FIRM)
    address: str = Field(default="", max_length=court.MAX_ADDRESS)


@router.post("/accounts", status_code=201)
def register(body: RegisterBody, request: Request) -> dict[str, object]:
    """Register a public, attorney or pro se account.

    Clerk and admin accounts are made by an operator: `openecf account create`.
    """
    reply = request.app.state.clients.auth.Register(
        auth_pb2.RegisterRequest(
            username=body.username,
            password=body.password,
            name=body.name,
            email=body.email,
            role=_ROLES[body.role],
            bar_number=body.bar_number,
            bar_state=body.bar_state,
            firm=body.firm,
            address=body.address,
        ),
        timeout=10,
    )
    return account_view(reply.account)
