"""The filing service process.

The walking skeleton: the contract is served (every RPC answers UNIMPLEMENTED until
its issue lands), with health, reflection, metrics and the outbox relay running.
"""

from __future__ import annotations

from court.v1 import filing_pb2, filing_pb2_grpc

from services.common.runtime import build_runtime


def main() -> None:
    runtime = build_runtime("filing")
    runtime.serve(
        (
            filing_pb2_grpc.add_FilingServiceServicer_to_server,
            filing_pb2_grpc.FilingServiceServicer(),  # type: ignore[abstract]
            filing_pb2.DESCRIPTOR.services_by_name["FilingService"],
        )
    )
