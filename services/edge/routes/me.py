"""The caller's own account: profile, second factor, e-filer application."""

from __future__ import annotations

from typing import Literal

from court.v1 import auth_pb2, common_pb2
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.common import court
from services.edge.session import caller_metadata
from services.edge.views import account_view

router = APIRouter(prefix="/api/v1/accounts/me", tags=["my account"])
_FORMATS = {"html": common_pb2.NOTICE_FORMAT_HTML, "text": common_pb2.NOTICE_FORMAT_TEXT}


class SecondaryEmailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    cases: list[str] | None = Field(default=None, max_length=200)


class StepUpBody(BaseModel):
    """What only the owner knows, asked again before a change that could take the account."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(default="", max_length=1024)
    otp: str = Field(default="", max_length=32)


class PasswordBody(StepUpBody):
    new_password: str = Field(min_length=1, max_length=1024)


class ProfileBody(StepUpBody):
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=court.MAX_ADDRESS)
    firm: str | None = Field(default=None, max_length=court.MAX_FIRM)
    notice_format: Literal["html", "text"] | None = None
    notices_enabled: bool | None = None
    secondary_emails: list[SecondaryEmailBody] | None = Field(default=None, max_length=20)


class OtpBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    otp: str = Field(min_length=1, max_length=32)


@router.get("")
def my_profile(request: Request) -> dict[str, object]:
    reply = request.app.state.clients.auth.GetProfile(
        auth_pb2.GetProfileRequest(), metadata=caller_metadata(request), timeout=10
    )
    return account_view(reply.account)


@router.patch("")
def update_my_profile(body: ProfileBody, request: Request) -> dict[str, object]:
    """Change e-mail, address, firm, notice format and secondary addresses.

    A change of firm keeps the account and its e-filer status. A new primary address needs
    `current_password` (and `otp` when enrolled); without them → 403 `reauthentication_required`.
    """
    message = auth_pb2.UpdateProfileRequest(current_password=body.current_password, otp=body.otp)
    for field in ("email", "address", "firm", "notices_enabled"):
        value = getattr(body, field)
        if value is not None:
            setattr(message, field, value)
    if body.notice_format is not None:
        message.notice_format = _FORMATS[body.notice_format]
    if body.secondary_emails is not None:
        message.secondary_emails.SetInParent()
        for secondary in body.secondary_emails:
            message.secondary_emails.emails.add(
                email=secondary.email,
                case_numbers=secondary.cases or [],
                all_cases=secondary.cases is None,
            )
    reply = request.app.state.clients.auth.UpdateProfile(
        message, metadata=caller_metadata(request), timeout=10
    )
    return account_view(reply.account)


@router.post("/mfa", status_code=201)
def enrol_mfa(body: StepUpBody, request: Request) -> dict[str, str]:
    """Start TOTP enrolment: add the secret to an authenticator app, then confirm a code.

    Needs `current_password` (and `otp` from the current factor when one is enrolled).
    """
    reply = request.app.state.clients.auth.EnrollMfa(
        auth_pb2.EnrollMfaRequest(current_password=body.current_password, otp=body.otp),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return {"secret": reply.secret, "otpauth_uri": reply.otpauth_uri}


@router.delete("/mfa", status_code=204)
def remove_mfa(body: StepUpBody, request: Request) -> Response:
    """Remove the second factor (`current_password` and `otp` in the body)."""
    request.app.state.clients.auth.RemoveMfa(
        auth_pb2.RemoveMfaRequest(current_password=body.current_password, otp=body.otp),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return Response(status_code=204)


@router.put("/password", status_code=204)
def change_password(body: PasswordBody, request: Request) -> Response:
    """Change the password (`current_password`, `otp` when enrolled, `new_password`)."""
    request.app.state.clients.auth.ChangePassword(
        auth_pb2.ChangePasswordRequest(
            current_password=body.current_password, otp=body.otp, new_password=body.new_password
        ),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return Response(status_code=204)


@router.post("/mfa/confirm", status_code=204)
def confirm_mfa(body: OtpBody, request: Request) -> Response:
    request.app.state.clients.auth.ConfirmMfa(
        auth_pb2.ConfirmMfaRequest(otp=body.otp), metadata=caller_metadata(request), timeout=10
    )
    return Response(status_code=204)


@router.post("/efiler-application", status_code=201)
def apply_to_efile(request: Request) -> dict[str, str]:
    """Apply once to e-file; a clerk approves. A second application → 409 `duplicate`; an
    address not confirmed yet (its mailed link unused) → 403 `email_unconfirmed`."""
    request.app.state.clients.auth.ApplyEfiler(
        auth_pb2.ApplyEfilerRequest(), metadata=caller_metadata(request), timeout=10
    )
    return {"efiler_status": "pending"}
