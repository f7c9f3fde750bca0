"""The docket service process.

The walking skeleton: the contract is served (every RPC answers UNIMPLEMENTED until
its issue lands), with health, reflection, metrics and the outbox relay running.
"""

from __future__ import annotations

from court.v1 import docket_pb2, docket_pb2_grpc

from services.common.runtime import build_runtime


def main() -> None:
    runtime = build_runtime("docket")
    runtime.serve(
        (
            docket_pb2_grpc.add_DocketServiceServicer_to_server,
            docket_pb2_grpc.DocketServiceServicer(),  # type: ignore[abstract]
            docket_pb2.DESCRIPTOR.services_by_name["DocketService"],
        )
    )
