"""Whether filing works, seen from inside the platform: auth probes the health of the services
a filing needs (filing, access, docket) every ``OPENECF_AVAILABILITY_PROBE_SECONDS``, records
what it saw, and turns a run of failure longer than the threshold (outside maintenance) into
a proposed technical failure for an administrator to confirm or dismiss. The edge's own
refusals (``ReportRefusal``, recorded by the servicer) are read by the same job: a database
restart leaves every health check SERVING while filings are refused.

During the maintenance window the services still answer health checks, but a probe taken then
is marked ``in_maintenance`` all the same: what happens in the window is never a technical
failure. Every auth replica probes; the proposal job is serialised and proposes a run once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.auth import maintenance, metrics, technical_failures
from services.common.clock import Clock, system_clock
from services.common.maintenance.schedule import WeeklySchedule
from services.common.settings import Settings
from services.common.technical_failures import Observation

log = logging.getLogger(__name__)
FILING_NEEDS = ("filing", "access", "docket")


def health_check(channel: grpc.Channel, *, timeout: float = 3.0) -> bool:
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=timeout
        )
    except grpc.RpcError:
        return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def in_maintenance(conn: Connection[Any], schedule: WeeklySchedule, now: datetime) -> bool:
    """The court is closed at ``now``: the weekly window, or the state an administrator forced."""
    return schedule.window_at(now) is not None or maintenance.current(conn).in_force(now)


def proposal_join(settings: Settings) -> timedelta:
    """Failing periods this close are one outage: two probe intervals (a probe that saw
    filing answer between a health run and a refusal run does not split one outage)."""
    return timedelta(seconds=2 * settings.availability_probe_seconds)


@dataclass
class AvailabilityProbe:
    pool: ConnectionPool
    schedule: WeeklySchedule
    threshold: timedelta
    checks: Mapping[str, Callable[[], bool]]  # service name → "it answers"
    join: timedelta = technical_failures.DEFAULT_JOIN
    clock: Clock = system_clock

    def tick(self) -> None:
        self.probe_once()

    def probe_once(self) -> Observation:
        failing = [name for name, check in self.checks.items() if not check()]
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            closed = in_maintenance(conn, self.schedule, now)
            seen = Observation(now, not failing, closed, ", ".join(failing))
            technical_failures.observe(conn, seen)
            proposed = technical_failures.propose(
                conn, threshold=self.threshold, join=self.join, now=now
            )
        metrics.FILING_AVAILABLE.set(0 if failing else 1)
        metrics.TECHNICAL_FAILURES_PROPOSED.inc(len(proposed))
        if failing:
            log.warning("filing unavailable", extra={"failing": seen.what})
        return seen
