"""The edge during maintenance: 503 for changes, the status endpoint, the admin toggle.

While the court is closed, a request that services/common/maintenance/rule.py does not keep
open (``route_open``: reads, ``POST /api/v1/filings/check``, logging in and out, the admin
toggle) answers 503 problem+json ``maintenance`` with ``Retry-After`` (seconds to the
window's end) before any service is called. The edge follows ``platform.maintenance`` like
every service (``follow_in_background`` in server.py); the services refuse on their own too,
by the same rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from court.v1 import maintenance_pb2, maintenance_pb2_grpc
from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import Match

from services.common import metrics
from services.common.clock import Clock, court_time_view, iso_utc, system_clock
from services.common.maintenance.follower import VIEW, MaintenanceView
from services.common.maintenance.gate import maintenance_error
from services.common.maintenance.rule import route_open
from services.common.maintenance.schedule import WeeklySchedule
from services.common.maintenance.state import (
    SOURCE_NAMES,
    MaintenanceState,
    parse_until,
)
from services.common.settings import Settings, get_settings
from services.edge import problems
from services.edge.routes.health import service_states
from services.edge.session import caller_metadata

router = APIRouter(prefix="/api/v1", tags=["maintenance"])

RECENT_FAILURES = timedelta(days=30)
WARNING_AHEAD = timedelta(hours=24)


@dataclass(frozen=True)
class EdgeMaintenance:
    view: MaintenanceView
    schedule: WeeklySchedule
    clock: Clock


def status_view(
    state: MaintenanceState, schedule: WeeklySchedule, now: datetime
) -> dict[str, object]:
    """The body of ``GET /api/v1/status`` (and of the admin toggle's answer)."""
    in_force = state.in_force(now)
    upcoming = schedule.next_window(now)
    until = state.until if in_force else None
    return {
        "active": in_force,
        "reason": state.reason if in_force else None,
        "source": (state.source or None) if in_force else None,
        "started_at": iso_utc(state.started_at) if in_force and state.started_at else None,
        "ends_at": iso_utc(until) if until else None,
        "ends_at_local": court_time_view(until, schedule.tz)["local"] if until else None,
        "retry_after_seconds": state.seconds_left(now) if in_force else None,
        "court_time": court_time_view(now, schedule.tz),
        "next_window": {
            "start": court_time_view(upcoming.start, schedule.tz),
            "end": court_time_view(upcoming.end, schedule.tz),
        },
        "warning": upcoming.start - now <= WARNING_AHEAD,
    }


def _route_path(app: FastAPI, request: Request) -> str:
    # The request never reaches the router: find its route for the metrics' labels.
    for route in app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            request.scope["route"] = route
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


def install(
    app: FastAPI,
    *,
    settings: Settings | None = None,
    view: MaintenanceView = VIEW,
    clock: Clock = system_clock,
) -> None:
    """Add the status and admin routes and the 503 middleware (before ``observe``)."""
    settings = settings or get_settings()
    state = EdgeMaintenance(view=view, schedule=WeeklySchedule.from_settings(settings), clock=clock)
    app.state.maintenance = state
    app.include_router(router)

    @app.middleware("http")
    async def maintenance_gate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not route_open(request.method, request.url.path):
            current, now = state.view.state(), state.clock.now()
            if current.in_force(now):
                route = _route_path(app, request)
                metrics.MAINTENANCE_REFUSED.labels("edge", f"{request.method} {route}").inc()
                error = maintenance_error(current, now, state.schedule.tz)
                return problems.problem(
                    "maintenance",
                    error.message,
                    extra={"ends_at": error.details["ends_at"], "reason": current.reason},
                    headers={"Retry-After": str(error.retry_after_seconds)},
                )
        return await call_next(request)


@router.get("/status")
def maintenance_status(request: Request) -> dict[str, object]:
    """Whether the court is closed for maintenance, until when, and the next window.

    `warning` is true during the 24 hours before the next scheduled window; `services` gives
    each service's health as the edge reaches it ("serving", or why not).
    """
    state: EdgeMaintenance = request.app.state.maintenance
    body = status_view(state.view.state(), state.schedule, state.clock.now())
    # What works right now, for the status page and for operators (readyz leaves it out).
    body["services"] = service_states(request.app.state.clients)
    body["technical_failures"] = recent_technical_failures(request, state.clock.now())
    return body


def recent_technical_failures(request: Request, now: datetime) -> list[dict[str, object]] | None:
    """Confirmed outages of the last 30 days for the status page; None when auth cannot say."""
    from services.edge.routes.technical_failures import CONFIRMED, failure_view

    failures = CONFIRMED.get(request)
    if failures is None:
        return None
    since = now - RECENT_FAILURES
    return [failure_view(f) for f in failures if f.ended_at.utc.ToDatetime(tzinfo=UTC) >= since]


class MaintenanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool
    reason: str = Field(default="", max_length=500)
    until: str | None = Field(
        default=None,
        max_length=64,
        description="ISO 8601 time (court-local when it has no offset), or a duration from "
        "now such as `2h`, `90m`, `1h30m`. Required when `active` is true.",
    )


@router.put("/admin/maintenance", response_model=None)
def set_maintenance(body: MaintenanceBody, request: Request) -> Response | dict[str, object]:
    """Force the maintenance window on until `until`, or off now (administrators only)."""
    state: EdgeMaintenance = request.app.state.maintenance
    message = maintenance_pb2.SetMaintenanceRequest(active=body.active, reason=body.reason)
    if body.active:
        if not body.until:
            return problems.problem("validation_failed", "until: required when active is true")
        try:
            until = parse_until(body.until, now=state.clock.now(), tz=state.schedule.tz)
        except ValueError as exc:
            return problems.problem("validation_failed", f"until: {exc}")
        message.until.FromDatetime(until)
    stub = maintenance_pb2_grpc.MaintenanceServiceStub(request.app.state.clients.channels["auth"])
    reply = stub.SetMaintenance(
        message,
        metadata=caller_metadata(request),  # the caller's token: auth checks the admin
        timeout=10,
    )
    return status_view(_from_status(reply.status), state.schedule, state.clock.now())


def _from_status(status: maintenance_pb2.MaintenanceStatus) -> MaintenanceState:
    return MaintenanceState(
        active=status.active,
        reason=status.reason,
        started_at=status.started_at.ToDatetime(tzinfo=UTC)
        if status.HasField("started_at")
        else None,
        until=status.until.ToDatetime(tzinfo=UTC) if status.HasField("until") else None,
        source=SOURCE_NAMES.get(status.source, ""),
    )
