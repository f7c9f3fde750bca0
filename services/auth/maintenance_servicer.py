"""MaintenanceService over gRPC: translate messages, call the domain, nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from court.v1 import events_pb2, maintenance_pb2, maintenance_pb2_grpc
from psycopg_pool import ConnectionPool

from services.auth import maintenance
from services.common.clock import Clock, court_time, system_clock
from services.common.errors import CourtError
from services.common.maintenance.schedule import WeeklySchedule
from services.common.maintenance.state import SOURCES, MaintenanceState
from services.common.principal import require_principal


def status_message(
    state: MaintenanceState, schedule: WeeklySchedule, now: datetime
) -> maintenance_pb2.MaintenanceStatus:
    in_force = state.in_force(now)
    message = maintenance_pb2.MaintenanceStatus(
        active=in_force,
        reason=state.reason if in_force else "",
        source=SOURCES.get(state.source, events_pb2.MAINTENANCE_SOURCE_UNSPECIFIED),
    )
    if state.started_at is not None:
        message.started_at.FromDatetime(state.started_at.astimezone(UTC))
    if in_force and state.until is not None:
        message.until.FromDatetime(state.until.astimezone(UTC))
        message.until_local = court_time(state.until, schedule.tz).local.isoformat()
    upcoming = schedule.next_window(now)
    message.next_window_start.FromDatetime(upcoming.start)
    message.next_window_end.FromDatetime(upcoming.end)
    return message


class MaintenanceServicer(maintenance_pb2_grpc.MaintenanceServiceServicer):
    def __init__(
        self, pool: ConnectionPool, schedule: WeeklySchedule, clock: Clock = system_clock
    ) -> None:
        self._pool = pool
        self._schedule = schedule
        self._clock = clock

    def GetMaintenanceStatus(
        self, request: maintenance_pb2.GetMaintenanceStatusRequest, context: grpc.ServicerContext
    ) -> maintenance_pb2.GetMaintenanceStatusResponse:
        with self._pool.connection() as conn:
            state = maintenance.current(conn)
        return maintenance_pb2.GetMaintenanceStatusResponse(
            status=status_message(state, self._schedule, self._clock.now())
        )

    def SetMaintenance(
        self, request: maintenance_pb2.SetMaintenanceRequest, context: grpc.ServicerContext
    ) -> maintenance_pb2.SetMaintenanceResponse:
        admin = require_principal("admin")
        now = self._clock.now()
        set_by = f"admin:{admin.username}"
        with self._pool.connection() as conn, conn.transaction():
            if request.active:
                if not request.HasField("until"):
                    raise CourtError(
                        "validation_failed",
                        "until is required to turn maintenance on",
                        details={"field": "until"},
                    )
                change = maintenance.force_on(
                    conn,
                    until=request.until.ToDatetime(tzinfo=UTC),
                    reason=request.reason,
                    set_by=set_by,
                    now=now,
                    account_id=admin.account_id,
                )
            else:
                change = maintenance.force_off(
                    conn, set_by=set_by, now=now, account_id=admin.account_id
                )
        return maintenance_pb2.SetMaintenanceResponse(
            status=status_message(change.state, self._schedule, now)
        )
