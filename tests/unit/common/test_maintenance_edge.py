"""The edge during maintenance: which requests get a 503, and GET /api/v1/status."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from grpc_health.v1 import health_pb2_grpc

from services.common.clock import FixedClock
from services.common.grpc_client import open_channel
from services.common.maintenance.follower import MaintenanceView
from services.common.maintenance.rule import route_open
from services.common.maintenance.schedule import WeeklySchedule
from services.common.maintenance.state import MaintenanceState
from services.common.settings import SERVICE_NAMES, Settings
from services.edge import maintenance, problems

SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]
SCHEDULE = WeeklySchedule.from_settings(SETTINGS)
FRIDAY_NOON = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)  # 12:00 PST


@pytest.mark.parametrize(
    ("method", "path", "refused"),
    [
        ("POST", "/api/v1/accounts", True),
        ("POST", "/api/v1/filings", True),
        ("PATCH", "/api/v1/accounts/me", True),
        ("PUT", "/api/v1/cases/26-1/subscription", True),
        ("DELETE", "/api/v1/cases/26-1/subscription", True),
        ("POST", "/api/v1/free-looks/abc", True),
        ("POST", "/api/v1/filings/check", False),  # a check writes nothing
        ("POST", "/api/v1/filings/check/", False),
        ("POST", "/api/v1/sessions", False),
        ("POST", "/api/v1/sessions/", False),
        ("DELETE", "/api/v1/sessions/current", False),
        ("PUT", "/api/v1/admin/maintenance", False),
        ("GET", "/api/v1/cases/26-1/docket", False),
        ("GET", "/api/v1/status", False),
        ("HEAD", "/api/v1/status", False),
        ("GET", "/readyz", False),
        ("GET", "/openapi.json", False),
        ("POST", "/metrics", False),
    ],
)
def test_which_requests_are_refused(method: str, path: str, refused: bool) -> None:
    assert route_open(method, path) is not refused


def test_status_outside_a_window_names_the_next_one_and_warns_a_day_ahead() -> None:
    view = maintenance.status_view(MaintenanceState(), SCHEDULE, FRIDAY_NOON)
    assert view["active"] is False
    assert view["ends_at"] is None
    assert view["court_time"] == {
        "utc": "2026-03-06T20:00:00Z",
        "local": "2026-03-06T12:00:00-08:00",
    }
    assert view["next_window"] == {
        "start": {"utc": "2026-03-07T08:00:00Z", "local": "2026-03-07T00:00:00-08:00"},
        "end": {"utc": "2026-03-07T13:00:00Z", "local": "2026-03-07T05:00:00-08:00"},
    }
    assert view["warning"] is True  # the window starts in 12 hours
    wednesday = maintenance.status_view(MaintenanceState(), SCHEDULE, FRIDAY_NOON - timedelta(2))
    assert wednesday["warning"] is False


def test_status_during_a_window() -> None:
    now = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)  # Saturday 01:00 PST
    state = MaintenanceState(
        active=True,
        reason="Scheduled weekly maintenance",
        started_at=now - timedelta(hours=1),
        until=now + timedelta(hours=4),
        source="schedule",
        changed_at=now - timedelta(hours=1),
    )
    view = maintenance.status_view(state, SCHEDULE, now)
    assert view["active"] is True
    assert view["source"] == "schedule"
    assert view["started_at"] == "2026-03-07T08:00:00Z"
    assert view["ends_at"] == "2026-03-07T13:00:00Z"
    assert view["ends_at_local"] == "2026-03-07T05:00:00-08:00"
    assert view["retry_after_seconds"] == 4 * 3600
    # The next window is next week's, after the change to PDT; no warning during a window.
    assert view["next_window"]["start"]["local"] == "2026-03-14T00:00:00-07:00"  # type: ignore[index]
    assert view["warning"] is False
    ended = maintenance.status_view(state, SCHEDULE, now + timedelta(hours=4))
    assert ended["active"] is False and ended["reason"] is None


class Client:
    """A synchronous client for an ASGI app, in this process (no server, no threads)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self._app)
            async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)


class _NobodyListening:
    """Service clients whose every channel leads to a closed port."""

    def health(self, service: str) -> health_pb2_grpc.HealthStub:
        return health_pb2_grpc.HealthStub(open_channel("127.0.0.1:9", signer=None))


@pytest.fixture
def closed_app() -> tuple[Client, MaintenanceView, FixedClock]:
    app = FastAPI()
    problems.install(app)
    view, clock = MaintenanceView(), FixedClock(FRIDAY_NOON)
    maintenance.install(app, settings=SETTINGS, view=view, clock=clock)
    # Services nobody listens for: the status reports them unreachable.
    app.state.clients = _NobodyListening()

    @app.post("/api/v1/accounts", status_code=201)
    def register() -> dict[str, str]:
        return {"registered": "yes"}

    @app.get("/api/v1/accounts/me")
    def me() -> dict[str, str]:
        return {"me": "yes"}

    @app.post("/api/v1/sessions", status_code=201)
    def log_in() -> dict[str, str]:
        return {"token": "t"}

    return Client(app), view, clock


def test_the_middleware_refuses_changes_until_the_window_ends(
    closed_app: tuple[Client, MaintenanceView, FixedClock],
) -> None:
    client, view, clock = closed_app
    assert client.post("/api/v1/accounts").status_code == 201
    view.set(
        MaintenanceState(
            active=True,
            reason="database upgrade",
            started_at=clock.now(),
            until=clock.now() + timedelta(minutes=10),
            source="admin",
            changed_at=clock.now(),
        )
    )
    refused = client.post("/api/v1/accounts", json={"username": "x"})
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"] == "600"
    body = refused.json()
    assert body["code"] == "maintenance"
    assert body["ends_at"] == "2026-03-06T20:10:00Z"
    assert body["reason"] == "database upgrade"
    assert "12:10 PM PST" in body["detail"]
    assert client.get("/api/v1/accounts/me").status_code == 200
    assert client.post("/api/v1/sessions").status_code == 201
    status = client.get("/api/v1/status").json()
    assert status["active"] is True and status["retry_after_seconds"] == 600
    assert set(status["services"]) == set(SERVICE_NAMES)
    assert all(state.startswith("unreachable") for state in status["services"].values())

    clock.advance(timedelta(minutes=9, seconds=30))
    assert client.post("/api/v1/accounts").headers["retry-after"] == "30"
    clock.advance(timedelta(seconds=30))  # until reached, no "off" sent
    assert client.post("/api/v1/accounts").status_code == 201
    assert client.get("/api/v1/status").json()["active"] is False


def test_the_admin_toggle_validates_until_before_calling_auth(
    closed_app: tuple[Client, MaintenanceView, FixedClock],
) -> None:
    client, _, _ = closed_app
    missing = client.put("/api/v1/admin/maintenance", json={"active": True})
    assert missing.status_code == 422 and missing.json()["code"] == "validation_failed"
    garbage = client.put("/api/v1/admin/maintenance", json={"active": True, "until": "soon"})
    assert garbage.status_code == 422 and "until" in garbage.json()["detail"]
    extra = client.put("/api/v1/admin/maintenance", json={"active": False, "who": "me"})
    assert extra.status_code == 422
