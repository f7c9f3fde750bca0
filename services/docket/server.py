"""The docket service process."""

from __future__ import annotations

from court.v1 import docket_pb2, docket_pb2_grpc

from services.common.grpc_client import open_channel
from services.common.identity import service_signer
from services.common.runtime import build_runtime
from services.docket import filings
from services.docket.access import RemoteAccessChecker
from services.docket.servicer import DocketServicer
from services.docket.sheet import DocketReader


def main() -> None:
    runtime = build_runtime("docket")
    settings = runtime.settings
    runtime.add_consumer(
        group=filings.CONSUMER_GROUP,
        topics=[filings.TOPIC],
        handlers=filings.handlers(tz=settings.tz),
    )
    access = open_channel(
        settings.grpc_addr("access"),
        signer=service_signer(settings, "docket"),
    )
    reader = DocketReader(runtime.pool, RemoteAccessChecker(access), tz=settings.tz)
    runtime.serve(
        (
            docket_pb2_grpc.add_DocketServiceServicer_to_server,
            DocketServicer(pool=runtime.pool, reader=reader, tz=settings.tz),
            docket_pb2.DESCRIPTOR.services_by_name["DocketService"],
        )
    )
