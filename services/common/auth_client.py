"""Resolving a caller's session through the auth service (every process but auth)."""

from __future__ import annotations

import grpc
from court.v1 import auth_pb2, auth_pb2_grpc

from services.common.enums import role_name
from services.common.errors import CourtError
from services.common.grpc_client import open_channel
from services.common.identity import service_signer
from services.common.principal import Principal, Resolver
from services.common.settings import Settings


def remote_resolver(settings: Settings, *, service: str) -> Resolver:
    channel = open_channel(
        settings.grpc_addr("auth"),
        signer=service_signer(settings, service),
    )
    stub = auth_pb2_grpc.AuthServiceStub(channel)

    def resolve(token: str) -> Principal:
        try:
            reply = stub.ValidateSession(auth_pb2.ValidateSessionRequest(token=token), timeout=5)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise CourtError("unauthenticated", exc.details() or "log in again") from None
            raise CourtError("unavailable", "cannot verify the session right now") from exc
        account = reply.account
        return Principal(
            account_id=account.account_id,
            username=account.username,
            name=account.name,
            role=role_name(account.role),
            efiler_approved=account.efiler_approved,
            mfa_enrolled=account.mfa_enrolled,
            session_id=account.session_id,
        )

    return resolve
