"""The edge: the REST API and the portal pages."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import Counter, Histogram

from services.common.logs import TRACE_HEADER, trace_context
from services.common.metrics import LATENCY_BUCKETS
from services.common.settings import get_settings
from services.edge import headers, maintenance, problems
from services.edge.clients import ServiceClients
from services.edge.limits import RequestLimits
from services.edge.portal import router as portal
from services.edge.refusals import RefusalReporter
from services.edge.routes import (
    accounts,
    cases,
    clerk,
    documents,
    filings,
    health,
    me,
    notices,
    paper,
    recovery,
    sessions,
    technical_failures,
)

access_log = logging.getLogger("openecf.access")
# Kubelet probes and scrapes: logged at debug, so the access log is about people.
QUIET_ROUTES = frozenset({"/healthz", "/readyz"})

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered by the edge.", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)


def create_app(clients: ServiceClients, refusals: RefusalReporter | None = None) -> FastAPI:
    app = FastAPI(
        title="OpenECF",
        version="1",
        summary="Court electronic filing and case management: the edge REST API.",
    )
    app.state.clients = clients
    # 503 `unavailable` answers to filing, docket and document requests, reported to auth for
    # technical-failure proposals (problems.py notes them; observe below notes recoveries).
    app.state.refusals = refusals
    problems.install(app)
    problems.document_problems(app)
    maintenance.install(app)  # before observe, so its 503s are traced and counted
    app.include_router(health.router)
    for router in (
        accounts.router,
        sessions.router,
        me.router,
        recovery.router,
        clerk.router,
        filings.router,
        documents.router,
        cases.router,
        cases.clerk_router,
        notices.router,
        technical_failures.router,
        paper.router,
    ):
        app.include_router(router)
    # The portal's pages and files: GETs outside /api/v1, so maintenance never refuses them.
    app.include_router(portal.router)
    app.mount(portal.STATIC_PATH, portal.static_files(), name="portal-static")
    # Inside observe (added below, so outside this): refusals are logged and counted too.
    app.add_middleware(RequestLimits, upload_max_bytes=get_settings().filing_max_total_mb * 2**20)

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        with trace_context(request.headers.get(TRACE_HEADER)) as trace_id:
            response = await call_next(request)
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - started
            # The access log: one JSON line per request, with the trace id (probes at debug).
            access_log.log(
                logging.DEBUG if path in QUIET_ROUTES else logging.INFO,
                "request",
                extra={
                    "method": request.method,
                    "route": path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
        if refusals is not None and 200 <= response.status_code < 300:
            refusals.succeeded(request.url.path)
        HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        HTTP_SECONDS.labels(request.method, path).observe(elapsed)
        response.headers["X-Trace-Id"] = trace_id
        headers.apply(request.url.path, response.headers)
        return response

    # Outside observe: a client gone mid-upload has no response for it to log or count.
    app.add_middleware(problems.DisconnectedClients)
    return app
