"""The notify service process."""

from __future__ import annotations

from court.v1 import notify_pb2, notify_pb2_grpc

from services.common.runtime import build_runtime
from services.notify.recipients import on_account_registered


def main() -> None:
    runtime = build_runtime("notify")
    runtime.add_consumer(
        group="notify.accounts",
        topics=["auth.events"],
        handlers={"auth.account_registered": on_account_registered},
    )
    runtime.serve(
        (
            notify_pb2_grpc.add_NotifyServiceServicer_to_server,
            notify_pb2_grpc.NotifyServiceServicer(),  # type: ignore[abstract]
            notify_pb2.DESCRIPTOR.services_by_name["NotifyService"],
        )
    )
