"""TechnicalFailureService over gRPC: translate messages, call the domain, nothing more."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import grpc
from court.v1 import maintenance_pb2, maintenance_pb2_grpc
from psycopg_pool import ConnectionPool

from services.auth import technical_failures
from services.auth.availability import in_maintenance
from services.auth.technical_failures import TechnicalFailure
from services.common.clock import Clock, system_clock
from services.common.errors import CourtError
from services.common.identity import current_caller
from services.common.maintenance.schedule import WeeklySchedule
from services.common.principal import require_principal
from services.common.wire import court_time_pb

# What the edge's refused requests were for (services/edge/refusals.py names them).
REFUSAL_AREAS = ("filing", "docket", "documents")

STATUSES = {
    "proposed": maintenance_pb2.TECHNICAL_FAILURE_STATUS_PROPOSED,
    "confirmed": maintenance_pb2.TECHNICAL_FAILURE_STATUS_CONFIRMED,
    "dismissed": maintenance_pb2.TECHNICAL_FAILURE_STATUS_DISMISSED,
}


def failure_pb(failure: TechnicalFailure, tz: ZoneInfo) -> maintenance_pb2.TechnicalFailure:
    return maintenance_pb2.TechnicalFailure(
        failure_id=failure.failure_id,
        status=STATUSES[failure.status],
        started_at=court_time_pb(failure.started_at, tz),
        ended_at=court_time_pb(failure.ended_at, tz),
        unavailable=failure.unavailable,
        note=failure.note,
        source=failure.source,
    )


class TechnicalFailureServicer(maintenance_pb2_grpc.TechnicalFailureServiceServicer):
    def __init__(
        self,
        pool: ConnectionPool,
        *,
        tz: ZoneInfo,
        schedule: WeeklySchedule,
        clock: Clock = system_clock,
    ) -> None:
        self._pool = pool
        self._tz = tz
        self._schedule = schedule
        self._clock = clock

    def ListTechnicalFailures(
        self, request: maintenance_pb2.ListTechnicalFailuresRequest, context: grpc.ServicerContext
    ) -> maintenance_pb2.ListTechnicalFailuresResponse:
        if request.include_proposed:
            require_principal("admin")
        with self._pool.connection() as conn:
            found = technical_failures.listing(conn, include_proposed=request.include_proposed)
        return maintenance_pb2.ListTechnicalFailuresResponse(
            failures=[failure_pb(f, self._tz) for f in found]
        )

    def RecordTechnicalFailure(
        self,
        request: maintenance_pb2.RecordTechnicalFailureRequest,
        context: grpc.ServicerContext,
    ) -> maintenance_pb2.RecordTechnicalFailureResponse:
        admin = require_principal("admin")
        for field in ("started_at", "ended_at"):
            if not request.HasField(field):
                raise CourtError(
                    "validation_failed", f"{field} is required", details={"field": field}
                )
        with self._pool.connection() as conn, conn.transaction():
            failure = technical_failures.record(
                conn,
                started_at=request.started_at.ToDatetime(tzinfo=UTC),
                ended_at=request.ended_at.ToDatetime(tzinfo=UTC),
                unavailable=request.unavailable,
                note=request.note,
                admin_id=admin.account_id,
                now=self._clock.now(),
            )
        return maintenance_pb2.RecordTechnicalFailureResponse(failure=failure_pb(failure, self._tz))

    def DecideTechnicalFailure(
        self,
        request: maintenance_pb2.DecideTechnicalFailureRequest,
        context: grpc.ServicerContext,
    ) -> maintenance_pb2.DecideTechnicalFailureResponse:
        admin = require_principal("admin")
        with self._pool.connection() as conn, conn.transaction():
            failure = technical_failures.decide(
                conn,
                failure_id=request.failure_id,
                confirm=request.confirm,
                unavailable=request.unavailable,
                note=request.note,
                admin_id=admin.account_id,
                now=self._clock.now(),
            )
        return maintenance_pb2.DecideTechnicalFailureResponse(failure=failure_pb(failure, self._tz))

    def ReportRefusal(
        self, request: maintenance_pb2.ReportRefusalRequest, context: grpc.ServicerContext
    ) -> maintenance_pb2.ReportRefusalResponse:
        if current_caller().service != "edge":
            raise CourtError("forbidden", "only the edge reports refusals")
        what = request.what.strip()
        if what not in REFUSAL_AREAS:
            raise CourtError(
                "validation_failed",
                f"what must be one of {', '.join(REFUSAL_AREAS)}",
                details={"field": "what"},
            )
        now = self._clock.now()
        with self._pool.connection() as conn, conn.transaction():
            technical_failures.observe_refusal(
                conn,
                at=now,
                refused=not request.recovered,
                what=what,
                in_maintenance=in_maintenance(conn, self._schedule, now),
            )
        return maintenance_pb2.ReportRefusalResponse()
