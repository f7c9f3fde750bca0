"""The gRPC maintenance gate: what passes while the court is closed, and how it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.rpc import error_details_pb2
from prometheus_client import REGISTRY

from services.common.clock import FixedClock
from services.common.errors import CourtError
from services.common.identity import Caller, caller_context
from services.common.interceptors import court_status
from services.common.maintenance.follower import MaintenanceView
from services.common.maintenance.gate import MaintenanceGate
from services.common.maintenance.rule import rpc_open
from services.common.maintenance.state import MaintenanceState

PACIFIC = ZoneInfo("America/Los_Angeles")

NOW = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)  # Saturday 01:00 PST
UNTIL = datetime(2026, 3, 7, 13, 0, tzinfo=UTC)  # 05:00 PST

PERSON = None  # no service identity: a person calling directly, or an unverified caller


@pytest.mark.parametrize(
    ("method", "caller", "allowed"),
    [
        # Changes are refused for a person, and for the edge acting for one.
        ("/court.v1.FilingService/SubmitFiling", PERSON, False),
        ("/court.v1.FilingService/SubmitFiling", "edge", False),
        ("/court.v1.FilingService/AcceptFiling", PERSON, False),
        ("/court.v1.DocketService/SealEntry", "edge", False),
        ("/court.v1.NotifyService/Subscribe", PERSON, False),
        ("/court.v1.AccessService/StoreDocument", "edge", False),
        ("/court.v1.AccessService/RedeemFreeLook", PERSON, False),
        ("/court.v1.AuthService/Register", PERSON, False),
        ("/court.v1.AuthService/UpdateProfile", "edge", False),
        ("/court.v1.AuthService/ResetPassword", PERSON, False),
        # Reads pass, by name.
        ("/court.v1.FilingService/GetFiling", PERSON, True),
        ("/court.v1.FilingService/ListReviewQueue", "edge", True),
        ("/court.v1.FilingService/CheckFiling", "edge", True),
        ("/court.v1.DocketService/SearchCases", PERSON, True),
        ("/court.v1.AccessService/GetDocument", "edge", True),
        ("/court.v1.AuthService/ValidateSession", "filing", True),
        ("/court.v1.AuthService/GetProfile", "edge", True),
        # Logging in and out, so an administrator can end a forced window.
        ("/court.v1.AuthService/Login", "edge", True),
        ("/court.v1.AuthService/Logout", PERSON, True),
        ("/court.v1.MaintenanceService/SetMaintenance", "edge", True),
        ("/court.v1.MaintenanceService/GetMaintenanceStatus", PERSON, True),
        # Background work between services goes on (notify asks access for free-look links).
        ("/court.v1.AccessService/IssueFreeLook", "notify", True),
        ("/court.v1.AccessService/StoreDocument", "filing", True),
        ("/court.v1.AccessService/IssueFreeLook", "edge", False),
        # Only auth's Login is the login; a name that is not a read is a change.
        ("/court.v1.DocketService/Login", PERSON, False),
        ("/court.v1.FilingService/Submit", PERSON, False),
    ],
)
def test_what_passes_during_maintenance(method: str, caller: str | None, allowed: bool) -> None:
    assert rpc_open(method, caller) is allowed


def _gate(state: MaintenanceState, clock: FixedClock) -> MaintenanceGate:
    return MaintenanceGate(service="filing", view=MaintenanceView(state), clock=clock, tz=PACIFIC)


def _window(reason: str = "Scheduled weekly maintenance") -> MaintenanceState:
    return MaintenanceState(
        active=True,
        reason=reason,
        started_at=NOW - timedelta(hours=1),
        until=UNTIL,
        source="schedule",
        changed_at=NOW - timedelta(hours=1),
    )


def test_a_change_is_refused_with_the_seconds_to_until() -> None:
    clock = FixedClock(NOW)
    gate = _gate(_window(), clock)
    before = REGISTRY.get_sample_value(
        "openecf_maintenance_refused_total", {"service": "filing", "method": "SubmitFiling"}
    )
    with caller_context(Caller(session_token="t", service="edge")), pytest.raises(CourtError) as e:
        gate("/court.v1.FilingService/SubmitFiling")
    error = e.value
    assert error.code == "maintenance"
    assert error.kind.grpc_status == grpc.StatusCode.UNAVAILABLE
    assert error.retry_after_seconds == 4 * 3600
    assert error.details["ends_at"] == "2026-03-07T13:00:00Z"
    assert "05:00 AM PST" in error.message
    after = REGISTRY.get_sample_value(
        "openecf_maintenance_refused_total", {"service": "filing", "method": "SubmitFiling"}
    )
    assert (after or 0) - (before or 0) == 1

    # On the wire: UNAVAILABLE, ErrorInfo reason "maintenance", RetryInfo = seconds to until.
    status = court_status(error)
    assert status.code == grpc.StatusCode.UNAVAILABLE.value[0]
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(info) and info.reason == "maintenance"
    assert status.details[1].Unpack(retry) and retry.retry_delay.seconds == 4 * 3600


def test_reads_and_background_work_pass_and_until_ends_it() -> None:
    clock = FixedClock(NOW)
    gate = _gate(_window(), clock)
    gate("/court.v1.FilingService/GetFiling")
    with caller_context(Caller(service="notify")):
        gate("/court.v1.AccessService/IssueFreeLook")
    clock.set(UNTIL - timedelta(seconds=1))
    with pytest.raises(CourtError) as e:
        gate("/court.v1.DocketService/SealEntry")
    assert e.value.retry_after_seconds == 1
    clock.set(UNTIL)  # no "off" needed
    gate("/court.v1.DocketService/SealEntry")


def test_nothing_is_refused_when_the_court_is_open() -> None:
    gate = _gate(MaintenanceState(), FixedClock(NOW))
    gate("/court.v1.FilingService/SubmitFiling")
    expired = _window()
    _gate(expired, FixedClock(UNTIL + timedelta(hours=1)))("/court.v1.FilingService/SubmitFiling")
