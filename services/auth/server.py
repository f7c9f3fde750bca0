"""The auth service process."""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from court.v1 import auth_pb2, auth_pb2_grpc, maintenance_pb2, maintenance_pb2_grpc
from psycopg_pool import ConnectionPool

from services.auth import metrics, passwords, store
from services.auth.availability import (
    FILING_NEEDS,
    AvailabilityProbe,
    health_check,
    proposal_join,
)
from services.auth.maintenance_servicer import MaintenanceServicer
from services.auth.policy import AuthPolicy
from services.auth.profile import Profiles
from services.auth.recovery import Recovery
from services.auth.servicer import AuthServicer
from services.auth.sessions import Sessions
from services.auth.technical_failures_servicer import TechnicalFailureServicer
from services.auth.totp_keys import reseal_all
from services.common.grpc_client import open_channel
from services.common.maintenance.schedule import WeeklySchedule
from services.common.principal import set_resolver
from services.common.runtime import build_runtime
from services.common.settings import Settings
from services.common.workers import every

log = logging.getLogger(__name__)


def availability_probe(settings: Settings, pool: ConnectionPool) -> AvailabilityProbe:
    """Health checks need no identity: plain channels to the services a filing needs."""
    checks = {}
    for name in FILING_NEEDS:
        channel = open_channel(settings.grpc_addr(name), signer=None)
        checks[name] = functools.partial(health_check, channel)
    return AvailabilityProbe(
        pool=pool,
        schedule=WeeklySchedule.from_settings(settings),
        threshold=timedelta(minutes=settings.technical_failure_threshold_minutes),
        join=proposal_join(settings),
        checks=checks,
    )


def main() -> None:
    runtime = build_runtime("auth")
    policy = AuthPolicy.from_settings(runtime.settings)
    # TOTP secrets still in plain text (from before sealing) or under an older key are
    # (re)sealed before the first request: idempotent, one transaction.
    with runtime.pool.connection() as conn, conn.transaction():
        resealed = reseal_all(conn, policy.totp_keys)
    if resealed:
        log.info("TOTP secrets sealed with the current key", extra={"accounts": resealed})
    # Made before the first login, so an unknown user's first try takes as long as any other.
    passwords.dummy_hash()
    sessions = Sessions(runtime.pool, policy)
    # Inside auth, a session token is checked against our own tables.
    set_resolver(lambda token: sessions.validate(token)[0])

    def count_sessions() -> None:
        with runtime.pool.connection() as conn:
            metrics.ACTIVE_SESSIONS.set(store.count_active_sessions(conn, policy.clock.now()))

    runtime.workers["active-sessions-gauge"] = every(15, count_sessions, name="sessions gauge")
    probe = availability_probe(runtime.settings, runtime.pool)
    runtime.workers["availability-probe"] = every(
        runtime.settings.availability_probe_seconds, probe.tick, name="availability probe"
    )
    runtime.serve(
        (
            auth_pb2_grpc.add_AuthServiceServicer_to_server,
            AuthServicer(
                pool=runtime.pool,
                sessions=sessions,
                profiles=Profiles(runtime.pool, policy),
                recovery=Recovery(runtime.pool, policy),
                policy=policy,
            ),
            auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
        ),
        (
            maintenance_pb2_grpc.add_MaintenanceServiceServicer_to_server,
            MaintenanceServicer(runtime.pool, WeeklySchedule.from_settings(runtime.settings)),
            maintenance_pb2.DESCRIPTOR.services_by_name["MaintenanceService"],
        ),
        (
            maintenance_pb2_grpc.add_TechnicalFailureServiceServicer_to_server,
            TechnicalFailureServicer(
                runtime.pool,
                tz=runtime.settings.tz,
                schedule=WeeklySchedule.from_settings(runtime.settings),
            ),
            maintenance_pb2.DESCRIPTOR.services_by_name["TechnicalFailureService"],
        ),
    )
