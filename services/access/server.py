"""The access service process.

The walking skeleton: the contract is served (every RPC answers UNIMPLEMENTED until
its issue lands), with health, reflection, metrics and the outbox relay running.
"""

from __future__ import annotations

from court.v1 import access_pb2, access_pb2_grpc

from services.common.runtime import build_runtime


def main() -> None:
    runtime = build_runtime("access")
    runtime.serve(
        (
            access_pb2_grpc.add_AccessServiceServicer_to_server,
            access_pb2_grpc.AccessServiceServicer(),  # type: ignore[abstract]
            access_pb2.DESCRIPTOR.services_by_name["AccessService"],
        )
    )
