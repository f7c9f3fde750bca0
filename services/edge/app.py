"""The edge: the REST API (and, as the portal issue lands, the portal pages)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import Counter, Histogram

from services.common.logs import TRACE_HEADER, trace_context
from services.common.metrics import LATENCY_BUCKETS
from services.edge import problems
from services.edge.clients import ServiceClients
from services.edge.routes import accounts, health

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered by the edge.", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)


def create_app(clients: ServiceClients) -> FastAPI:
    app = FastAPI(
        title="OpenECF",
        version="1",
        summary="Court electronic filing and case management: the edge REST API.",
    )
    app.state.clients = clients
    problems.install(app)
    app.include_router(health.router)
    app.include_router(accounts.router)

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        with trace_context(request.headers.get(TRACE_HEADER)) as trace_id:
            response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        HTTP_SECONDS.labels(request.method, path).observe(time.perf_counter() - started)
        response.headers["X-Trace-Id"] = trace_id
        return response

    return app
