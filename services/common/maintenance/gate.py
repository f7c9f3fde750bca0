"""The maintenance gate: every gRPC service refuses changes while the court is closed.

Plugged into ``CourtServerInterceptor`` as a ``CallGate`` (health and reflection never reach
it). What passes is declared once in rule.py (``rpc_open``); the rest is refused with
``maintenance`` (UNAVAILABLE + RetryInfo = seconds to ``until``), the same refusal the edge
gives as problem+json.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.common import metrics
from services.common.clock import Clock, court_time, iso_utc, system_clock
from services.common.errors import CourtError
from services.common.identity import current_caller
from services.common.maintenance.follower import VIEW, MaintenanceView
from services.common.maintenance.rule import rpc_open
from services.common.maintenance.state import MaintenanceState


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
        tz: ZoneInfo,
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
        if rpc_open(method, current_caller().service):
            return
        metrics.MAINTENANCE_REFUSED.labels(self._service, method.rsplit("/", 1)[-1]).inc()
        raise maintenance_error(state, now, self._tz)
