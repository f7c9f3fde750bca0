"""Liveness and readiness."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2

from services.common.settings import SERVICE_NAMES

router = APIRouter(tags=["health"])
_pool = ThreadPoolExecutor(max_workers=len(SERVICE_NAMES), thread_name_prefix="readyz")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The edge process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready when every service answers SERVING to a gRPC health check."""
    clients = request.app.state.clients

    def check(service: str) -> str:
        try:
            reply = clients.health(service).Check(health_pb2.HealthCheckRequest(), timeout=2)
        except grpc.RpcError as exc:
            return f"unreachable ({exc.code().name})"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)).lower()

    results = dict(zip(SERVICE_NAMES, _pool.map(check, SERVICE_NAMES), strict=True))
    ready = all(state == "serving" for state in results.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "services": results},
        status_code=200 if ready else 503,
    )
