"""Liveness, readiness, and the services' health as the edge sees it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2

from services.common.settings import SERVICE_NAMES
from services.edge.clients import ServiceClients

router = APIRouter(tags=["health"])
_pool = ThreadPoolExecutor(max_workers=len(SERVICE_NAMES), thread_name_prefix="health")


def service_states(clients: ServiceClients) -> dict[str, str]:
    """Each service's gRPC health as this edge reaches it: "serving", or why not."""

    def check(service: str) -> str:
        try:
            reply = clients.health(service).Check(health_pb2.HealthCheckRequest(), timeout=2)
        except grpc.RpcError as exc:
            return f"unreachable ({exc.code().name})"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)).lower()

    return dict(zip(SERVICE_NAMES, _pool.map(check, SERVICE_NAMES), strict=True))


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The edge process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready when this edge can answer by itself: it knows whether the court is closed.

    The services' health is not part of it (see ``GET /api/v1/status``): with one service
    down, every edge pod would leave the Service and the whole portal, reads included,
    would answer 503 instead of the pages that still work.
    """
    if not request.app.state.maintenance.view.loaded:
        return JSONResponse(
            {"status": "not_ready", "reason": "the maintenance state is still loading"},
            status_code=503,
        )
    return JSONResponse({"status": "ready"})
