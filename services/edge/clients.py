"""The edge's gRPC stubs, one channel per service."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from court.v1 import (
    access_pb2_grpc,
    auth_pb2_grpc,
    docket_pb2_grpc,
    filing_pb2_grpc,
    notify_pb2_grpc,
)
from grpc_health.v1 import health_pb2_grpc

from services.common.grpc_client import open_channel
from services.common.identity import service_signer
from services.common.settings import SERVICE_NAMES, Settings


@dataclass
class ServiceClients:
    channels: dict[str, grpc.Channel]
    auth: auth_pb2_grpc.AuthServiceStub
    filing: filing_pb2_grpc.FilingServiceStub
    docket: docket_pb2_grpc.DocketServiceStub
    notify: notify_pb2_grpc.NotifyServiceStub
    access: access_pb2_grpc.AccessServiceStub

    def health(self, service: str) -> health_pb2_grpc.HealthStub:
        return health_pb2_grpc.HealthStub(self.channels[service])

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


def connect(settings: Settings) -> ServiceClients:
    signer = service_signer(settings, "edge")  # the edge holds its own key only
    channels = {
        name: open_channel(settings.grpc_addr(name), signer=signer) for name in SERVICE_NAMES
    }
    return ServiceClients(
        channels=channels,
        auth=auth_pb2_grpc.AuthServiceStub(channels["auth"]),
        filing=filing_pb2_grpc.FilingServiceStub(channels["filing"]),
        docket=docket_pb2_grpc.DocketServiceStub(channels["docket"]),
        notify=notify_pb2_grpc.NotifyServiceStub(channels["notify"]),
        access=access_pb2_grpc.AccessServiceStub(channels["access"]),
    )
