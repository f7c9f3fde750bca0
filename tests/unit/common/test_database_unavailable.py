"""A database that goes away mid-call (restart, failover) is UNAVAILABLE with a retry hint
(the edge's 503), never INTERNAL (a 500): through a real gRPC server and client."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from psycopg import OperationalError
from psycopg_pool import PoolTimeout

from services.common.identity import ServiceVerifier
from services.common.interceptors import CourtServerInterceptor

RAISED: list[Exception] = []


def _boom(request: bytes, context: grpc.ServicerContext) -> bytes:
    raise RAISED[-1]


@pytest.fixture(scope="module")
def channel() -> Iterator[grpc.Channel]:
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=2),
        interceptors=[CourtServerInterceptor(verifier=ServiceVerifier({}, ttl_seconds=30))],
    )
    handler = grpc.unary_unary_rpc_method_handler(_boom)
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("test.v1.Probe", {"Boom": handler})]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as opened:
        yield opened
    server.stop(0)


def _call(channel: grpc.Channel, error: Exception) -> grpc.RpcError:
    RAISED.append(error)
    with pytest.raises(grpc.RpcError) as failed:
        channel.unary_unary("/test.v1.Probe/Boom")(b"", timeout=5)
    return failed.value


@pytest.mark.parametrize(
    "error",
    [OperationalError("server closed the connection unexpectedly"), PoolTimeout("no connection")],
)
def test_a_database_that_went_away_is_unavailable_with_a_retry_hint(
    channel: grpc.Channel, error: Exception
) -> None:
    failed = _call(channel, error)
    assert failed.code() == grpc.StatusCode.UNAVAILABLE
    status = rpc_status.from_call(failed)
    assert status is not None
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    unpacked = [d.Unpack(info) or d.Unpack(retry) for d in status.details]
    assert all(unpacked) and info.reason == "unavailable" and retry.retry_delay.seconds > 0


def test_any_other_failure_stays_internal(channel: grpc.Channel) -> None:
    assert _call(channel, KeyError("a bug")).code() == grpc.StatusCode.INTERNAL
