"""The auth service process."""

from __future__ import annotations

from court.v1 import auth_pb2, auth_pb2_grpc

from services.auth.servicer import AuthServicer
from services.common.runtime import build_runtime


def main() -> None:
    runtime = build_runtime("auth")
    runtime.serve(
        (
            auth_pb2_grpc.add_AuthServiceServicer_to_server,
            AuthServicer(runtime.pool),  # type: ignore[abstract]  # until issue 3 lands
            auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
        )
    )
