"""Calls spread over a service's replicas: real gRPC servers, the project's own channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from services.common.balancing import ROUND_ROBIN, SERVER_OPTIONS, channel_target, client_options
from services.common.grpc_client import open_channel
from services.common.settings import Settings


def test_targets_for_one_name_one_ip_and_several_replicas() -> None:
    assert channel_target("access.court.svc:50055") == "dns:///access.court.svc:50055"
    assert channel_target("127.0.0.1:50055") == "127.0.0.1:50055"
    assert channel_target("127.0.0.1:1, 127.0.0.2:2") == "ipv4:127.0.0.1:1,127.0.0.2:2"
    assert channel_target("[::1]:1,[::1]:2") == "ipv6:[::1]:1,[::1]:2"
    with pytest.raises(ValueError, match="IP literals"):
        channel_target("a.svc:1,b.svc:2")


def test_round_robin_where_there_can_be_several_replicas() -> None:
    for several in ("access.court.svc:50055", "127.0.0.1:1,127.0.0.1:2"):
        assert ("grpc.service_config", ROUND_ROBIN) in client_options(several)
    assert ("grpc.service_config", ROUND_ROBIN) not in client_options("127.0.0.1:50055")


def test_settings_take_a_list_of_replicas_and_refuse_names_in_one() -> None:
    assert Settings(access_addr="127.0.0.1:1,127.0.0.1:2").access_addr == "127.0.0.1:1,127.0.0.1:2"
    with pytest.raises(ValueError, match="IP literals"):
        Settings(access_addr="a.svc:1,b.svc:2")
    with pytest.raises(ValueError, match="host:port"):
        Settings(access_addr="127.0.0.1:1,nonsense")


class _Counting(grpc.ServerInterceptor):
    def __init__(self, name: str, calls: Counter[str]) -> None:
        self._name, self._calls = name, calls

    def intercept_service(self, continuation, details):  # type: ignore[no-untyped-def]
        self._calls[self._name] += 1
        return continuation(details)


@pytest.fixture
def replicas() -> Iterator[tuple[str, Counter[str]]]:
    calls: Counter[str] = Counter()
    servers, addresses = [], []
    for name in ("a", "b"):
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=2),
            interceptors=[_Counting(name, calls)],
            options=SERVER_OPTIONS,
        )
        health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        addresses.append(f"127.0.0.1:{port}")
    try:
        yield ",".join(addresses), calls
    finally:
        for server in servers:
            server.stop(None)


def test_calls_from_one_channel_reach_every_replica(
    replicas: tuple[str, Counter[str]],
) -> None:
    address, calls = replicas
    channel = open_channel(address, signer=None)
    stub = health_pb2_grpc.HealthStub(channel)
    for _ in range(40):
        stub.Check(health_pb2.HealthCheckRequest(), timeout=5, wait_for_ready=True)
    channel.close()
    # Round robin: each replica gets its share, not one of them everything.
    assert calls["a"] >= 15 and calls["b"] >= 15, calls
