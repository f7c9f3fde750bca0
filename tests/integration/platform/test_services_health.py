"""Every service is up on the real stack: health, reflection, metrics, the edge."""

from __future__ import annotations

import subprocess

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families
from support.api import Api
from support.tools import tool_path

from services.common.settings import PROCESS_NAMES, SERVICE_NAMES
from services.stack.supervisor import LocalStack

SERVICE_FULL_NAMES = {
    "auth": "court.v1.AuthService",
    "filing": "court.v1.FilingService",
    "docket": "court.v1.DocketService",
    "notify": "court.v1.NotifyService",
    "access": "court.v1.AccessService",
}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_health_is_serving_over_grpc(stack: LocalStack, service: str) -> None:
    with grpc.insecure_channel(stack.settings.grpc_addr(service)) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        overall = stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
        named = stub.Check(
            health_pb2.HealthCheckRequest(service=SERVICE_FULL_NAMES[service]), timeout=5
        )
    assert overall.status == health_pb2.HealthCheckResponse.SERVING
    assert named.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_reflection_lists_the_service(stack: LocalStack, service: str) -> None:
    with grpc.insecure_channel(stack.settings.grpc_addr(service)) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        names = {s.name for reply in replies for s in reply.list_services_response.service}
    assert {SERVICE_FULL_NAMES[service], "grpc.health.v1.Health"} <= names


def _grpcurl() -> str:
    return tool_path("grpcurl", "`make tools` (run by `make test`) builds it")


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_grpcurl_sees_the_service_and_its_health(stack: LocalStack, service: str) -> None:
    address = stack.settings.grpc_addr(service)
    listed = subprocess.run(
        [_grpcurl(), "-plaintext", address, "list"], capture_output=True, text=True, timeout=30
    )
    assert listed.returncode == 0, listed.stderr
    assert SERVICE_FULL_NAMES[service] in listed.stdout.split()
    health = subprocess.run(
        [_grpcurl(), "-plaintext", address, "grpc.health.v1.Health/Check"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert health.returncode == 0, health.stderr
    assert '"status": "SERVING"' in health.stdout


@pytest.mark.parametrize("process", PROCESS_NAMES)
def test_metrics_parse_on_every_process(stack: LocalStack, process: str) -> None:
    response = httpx.get(f"http://127.0.0.1:{stack.settings.metrics_port(process)}/metrics")
    assert response.status_code == 200
    families = {f.name for f in text_string_to_metric_families(response.text)}
    assert "openecf_build_info" in families
    if process == "edge":
        assert "http_requests" in families
    else:
        assert {"grpc_server_handled", "openecf_outbox_backlog"} <= families


def test_edge_liveness_readiness_and_openapi(edge_url: str) -> None:
    assert httpx.get(f"{edge_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{edge_url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}
    status = httpx.get(f"{edge_url}/api/v1/status").json()
    assert status["services"] == {name: "serving" for name in SERVICE_NAMES}
    spec = httpx.get(f"{edge_url}/openapi.json").json()
    assert "/api/v1/accounts" in spec["paths"]


def test_unimplemented_rpc_is_a_clean_status(stack: LocalStack) -> None:
    from court.v1 import docket_pb2

    # A method the server does not serve (every DocketService RPC is implemented now).
    with (
        grpc.insecure_channel(stack.settings.grpc_addr("docket")) as channel,
        pytest.raises(grpc.RpcError) as raised,
    ):
        channel.unary_unary(
            "/court.v1.DocketService/NoSuchMethod",
            request_serializer=docket_pb2.GetCaseRequest.SerializeToString,
            response_deserializer=docket_pb2.GetCaseResponse.FromString,
        )(docket_pb2.GetCaseRequest(case_number="26-1"), timeout=5)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_one_service_down_leaves_the_edge_ready_and_says_so_on_the_status(
    stack: LocalStack, edge_url: str, clerk: Api
) -> None:
    stack.stop_child("notify")
    try:
        # The edge stays in its Service: the docket can still be read while notify is away.
        assert httpx.get(f"{edge_url}/readyz").status_code == 200
        assert clerk.get("/api/v1/cases", params={"q": "x"}).status_code == 200
        services = httpx.get(f"{edge_url}/api/v1/status").json()["services"]
        assert services["notify"].startswith("unreachable")
        assert {k: v for k, v in services.items() if k != "notify"} == {
            name: "serving" for name in SERVICE_NAMES if name != "notify"
        }
    finally:
        stack.restart_child("notify")
