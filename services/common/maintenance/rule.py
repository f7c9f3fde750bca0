"""What stays open while the court is closed for maintenance: one declaration, read by the edge
(by HTTP route) and by every gRPC service (by RPC), so the two can never disagree.

Open during a window:
- reads: ``GET``/``HEAD``/``OPTIONS`` at the edge; RPCs named Get…, List…, Search…, Validate…;
- checks that write nothing: ``POST /api/v1/filings/check`` and the RPCs named Check…;
- logging in and out, so an administrator can end a forced window;
- the maintenance toggle itself (``PUT /api/v1/admin/maintenance``, MaintenanceService);
- outside the API (health, readiness, ``/openapi.json``, metrics) nothing is gated.
A gRPC call from another service with a verified identity (not the edge, which acts for a
person) also passes, so work queued before the window (notices, their free-look links) goes on.
Everything else is refused with ``maintenance`` (gate.maintenance_error).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.rpc_kinds import CHECK_RPC_PREFIXES, READ_RPC_PREFIXES


@dataclass(frozen=True)
class OpenDuringMaintenance:
    """One kind of request that stays open, as the edge and the services each see it."""

    what: str
    http_methods: frozenset[str] = frozenset()  # any path under the API
    routes: frozenset[tuple[str, str]] = frozenset()  # (method, path) at the edge
    rpc_prefixes: tuple[str, ...] = ()  # method names
    rpcs: frozenset[str] = frozenset()  # /package.Service/Method
    rpc_services: frozenset[str] = frozenset()  # package.Service


STAYS_OPEN = (
    OpenDuringMaintenance(
        "reads",
        http_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
        rpc_prefixes=READ_RPC_PREFIXES,
    ),
    OpenDuringMaintenance(
        "checks that write nothing",
        routes=frozenset({("POST", "/api/v1/filings/check")}),
        rpc_prefixes=CHECK_RPC_PREFIXES,
    ),
    OpenDuringMaintenance(
        "logging in and out",
        routes=frozenset({("POST", "/api/v1/sessions"), ("DELETE", "/api/v1/sessions/current")}),
        rpcs=frozenset({"/court.v1.AuthService/Login", "/court.v1.AuthService/Logout"}),
    ),
    OpenDuringMaintenance(
        "the maintenance toggle",
        routes=frozenset({("PUT", "/api/v1/admin/maintenance")}),
        rpc_services=frozenset({"court.v1.MaintenanceService"}),
    ),
)

API_PREFIX = "/api/v1/"
# Services whose calls are a person's calls: gated like the person's own.
PERSON_FACING_SERVICES = frozenset({"edge"})


def route_open(method: str, path: str) -> bool:
    """Whether an HTTP request passes the edge while the court is closed."""
    method, path = method.upper(), path.rstrip("/") or "/"
    if not path.startswith(API_PREFIX):
        return True
    return any(method in rule.http_methods or (method, path) in rule.routes for rule in STAYS_OPEN)


def rpc_open(method: str, caller_service: str | None) -> bool:
    """Whether an RPC (``/pkg.Service/Method``) passes a service while the court is closed."""
    _, service, name = method.split("/", 2)
    if any(
        method in rule.rpcs or service in rule.rpc_services or name.startswith(rule.rpc_prefixes)
        for rule in STAYS_OPEN
    ):
        return True
    return caller_service is not None and caller_service not in PERSON_FACING_SERVICES
