"""AuthService over gRPC: translate messages, call the domain, nothing more."""

from __future__ import annotations

import grpc
from court.v1 import auth_pb2, auth_pb2_grpc
from psycopg_pool import ConnectionPool

from services.auth import accounts
from services.auth.models import ROLE_NAMES


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def Register(
        self, request: auth_pb2.RegisterRequest, context: grpc.ServicerContext
    ) -> auth_pb2.RegisterResponse:
        new_account = accounts.validate_new_account(
            username=request.username,
            password=request.password,
            name=request.name,
            email=request.email,
            role=ROLE_NAMES.get(request.role, "unspecified"),
            bar_number=request.bar_number,
            bar_state=request.bar_state,
            firm=request.firm,
            address=request.address,
        )
        with self._pool.connection() as conn, conn.transaction():
            created = accounts.register(conn, new_account)
        return auth_pb2.RegisterResponse(account=created.to_proto())
