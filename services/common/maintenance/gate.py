"""The maintenance gate: every gRPC service refuses mutating calls while the court is closed.

Plugged into ``CourtServerInterceptor`` as a ``CallGate`` (health and reflection never reach
it). What passes during a window:
- read-only methods, by name: Get…, List…, Search…, Check…, Validate…;
- ``AuthService/Login`` and ``Logout`` (an administrator must be able to log in to end a
  forced window) and every ``MaintenanceService`` method;
- calls from another service with a verified identity other than the edge, so work queued
  before the window (notices, their free-look links) goes on. The edge acts for a person,
  so its calls are gated like the person's.
Everything else is refused with ``maintenance`` (UNAVAILABLE + RetryInfo = seconds to
``until``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.common import metrics
from services.common.clock import COURT_TZ, Clock, court_time, system_clock
from services.common.errors import CourtError
from services.common.identity import current_caller
from services.common.maintenance.follower import VIEW, MaintenanceView
from services.common.maintenance.state import MaintenanceState, iso_utc

READ_ONLY_PREFIXES = ("Get", "List", "Search", "Check", "Validate")
ALWAYS_OPEN_METHODS = frozenset({"/court.v1.AuthService/Login", "/court.v1.AuthService/Logout"})
ALWAYS_OPEN_SERVICES = frozenset({"court.v1.MaintenanceService"})
# Services whose calls are a person's calls: gated like the person's own.
PERSON_FACING_SERVICES = frozenset({"edge"})


def allowed_during_maintenance(method: str, caller_service: str | None) -> bool:
    """Whether ``method`` (``/pkg.Service/Method``) passes while the court is closed."""
    _, service, name = method.split("/", 2)
    if method in ALWAYS_OPEN_METHODS or service in ALWAYS_OPEN_SERVICES:
        return True
    if name.startswith(READ_ONLY_PREFIXES):
        return True
    return caller_service is not None and caller_service not in PERSON_FACING_SERVICES


def maintenance_error(state: MaintenanceState, now: datetime, tz: ZoneInfo) -> CourtError:
    """The refusal every process gives (the edge answers the same as problem+json)."""
    ends = court_time(state.until or now, tz)
    reason = state.reason or "maintenance"
    return CourtError(
        "maintenance",
        f"The court's electronic filing system is closed for maintenance ({reason}) until "
        f"{ends.local_label}; reading cases and dockets still works.",
        details={"ends_at": iso_utc(ends.utc), "reason": reason, "source": state.source},
        retry_after_seconds=state.seconds_left(now),
    )


class MaintenanceGate:
    """A ``CallGate`` (interceptors.py) over this process's view of the maintenance state."""

    def __init__(
        self,
        *,
        service: str,
        view: MaintenanceView = VIEW,
        clock: Clock = system_clock,
        tz: ZoneInfo = COURT_TZ,
    ) -> None:
        self._service = service
        self._view = view
        self._clock = clock
        self._tz = tz

    def __call__(self, method: str) -> None:
        state = self._view.state()
        now = self._clock.now()
        if not state.in_force(now):
            return
        if allowed_during_maintenance(method, current_caller().service):
            return
        metrics.MAINTENANCE_REFUSED.labels(self._service, method.rsplit("/", 1)[-1]).inc()
        raise maintenance_error(state, now, self._tz)
