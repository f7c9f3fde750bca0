"""One maintenance rule (services/common/maintenance/rule.py) for the edge and the services."""

from __future__ import annotations

import pytest

from services.common.maintenance.rule import STAYS_OPEN, route_open, rpc_open
from services.edge.app import create_app
from services.edge.clients import ServiceClients

# Each edge request and the RPC behind it: both sides of the rule must agree.
ROUTE_AND_RPC = [
    ("POST", "/api/v1/filings/check", "/court.v1.FilingService/CheckFiling"),
    ("POST", "/api/v1/filings", "/court.v1.FilingService/SubmitFiling"),
    ("GET", "/api/v1/filings/x", "/court.v1.FilingService/GetFiling"),
    ("POST", "/api/v1/sessions", "/court.v1.AuthService/Login"),
    ("DELETE", "/api/v1/sessions/current", "/court.v1.AuthService/Logout"),
    ("POST", "/api/v1/accounts", "/court.v1.AuthService/Register"),
    ("PATCH", "/api/v1/accounts/me", "/court.v1.AuthService/UpdateProfile"),
    ("PUT", "/api/v1/admin/maintenance", "/court.v1.MaintenanceService/SetMaintenance"),
    ("GET", "/api/v1/cases/26-1/docket", "/court.v1.DocketService/GetDocketSheet"),
    ("PUT", "/api/v1/cases/26-1/subscription", "/court.v1.NotifyService/Subscribe"),
]


@pytest.mark.parametrize(("method", "path", "rpc"), ROUTE_AND_RPC)
def test_the_edge_and_the_service_decide_alike(method: str, path: str, rpc: str) -> None:
    assert route_open(method, path) is rpc_open(rpc, "edge")


def test_every_declared_route_is_a_route_of_the_edge() -> None:
    app = create_app(ServiceClients.__new__(ServiceClients))
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    declared = {route for rule in STAYS_OPEN for route in rule.routes}
    assert declared <= routes, declared - routes


def test_outside_the_api_nothing_is_gated() -> None:
    assert route_open("POST", "/metrics")
    assert route_open("GET", "/readyz")
