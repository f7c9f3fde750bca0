"""Technical failures: the public record of the court's unscheduled outages (court-local
times), the administrators' record and decisions, and the note on receipts filed during or
just after one (``services/common/technical_failures.py`` states the rule)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from court.v1 import common_pb2, maintenance_pb2, maintenance_pb2_grpc
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from services.common.enums import name_of
from services.common.errors import CourtError
from services.common.settings import get_settings
from services.common.technical_failures import covers
from services.edge.session import caller_metadata
from services.edge.views import court_time_view

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["technical failures"])
FailureId = Annotated[str, Path(max_length=64)]
# Receipts and the status page read the confirmed outages this often at most.
CACHE_SECONDS = 10.0


def _stub(request: Request) -> maintenance_pb2_grpc.TechnicalFailureServiceStub:
    return maintenance_pb2_grpc.TechnicalFailureServiceStub(
        request.app.state.clients.channels["auth"]
    )


def failure_view(failure: maintenance_pb2.TechnicalFailure) -> dict[str, object]:
    return {
        "failure_id": failure.failure_id,
        "status": name_of(
            maintenance_pb2.TechnicalFailureStatus, "TECHNICAL_FAILURE_STATUS_", failure.status
        ),
        "started_at": court_time_view(failure.started_at),
        "ended_at": court_time_view(failure.ended_at),
        "unavailable": failure.unavailable,
        "note": failure.note or None,
        "source": failure.source,
    }


class ConfirmedFailures:
    """The confirmed outages, read from auth at most every CACHE_SECONDS (receipts and the
    status page ask often; outages are recorded rarely). None when auth could not be asked:
    the answer is remembered as long, so an unreachable auth never slows every status call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at = -CACHE_SECONDS
        self._failures: list[maintenance_pb2.TechnicalFailure] | None = None

    def get(self, request: Request) -> list[maintenance_pb2.TechnicalFailure] | None:
        with self._lock:
            if time.monotonic() - self._read_at < CACHE_SECONDS:
                return self._failures
        failures: list[maintenance_pb2.TechnicalFailure] | None
        try:
            reply = _stub(request).ListTechnicalFailures(
                maintenance_pb2.ListTechnicalFailuresRequest(), timeout=2
            )
            failures = list(reply.failures)
        except Exception:
            log.warning("technical failures could not be read from auth", exc_info=True)
            failures = None
        with self._lock:
            self._failures = failures
            self._read_at = time.monotonic()
        return failures

    def forget(self) -> None:
        with self._lock:
            self._read_at = -CACHE_SECONDS


CONFIRMED = ConfirmedFailures()


def receipt_note(request: Request, received_at: common_pb2.CourtTime) -> dict[str, object] | None:
    """The outage a filing was received during or just after, for its receipt; None when none
    (or when the record cannot be read: a receipt is never refused for want of it)."""
    if not received_at.HasField("utc"):
        return None
    received = received_at.utc.ToDatetime(tzinfo=UTC)
    settings = get_settings()
    for failure in CONFIRMED.get(request) or []:
        if covers(
            started_at=failure.started_at.utc.ToDatetime(tzinfo=UTC),
            ended_at=failure.ended_at.utc.ToDatetime(tzinfo=UTC),
            received_at=received,
            tz=settings.tz,
            grace_days=settings.technical_failure_grace_days,
        ):
            view = failure_view(failure)
            during = received < failure.ended_at.utc.ToDatetime(tzinfo=UTC)
            view["received"] = "during" if during else "after"
            return view
    return None


@router.get("/technical-failures")
def list_technical_failures(request: Request) -> dict[str, object]:
    """The court's confirmed unscheduled outages, newest first, in court-local time (public)."""
    reply = _stub(request).ListTechnicalFailures(
        maintenance_pb2.ListTechnicalFailuresRequest(), timeout=10
    )
    return {"technical_failures": [failure_view(f) for f in reply.failures]}


@router.get("/admin/technical-failures")
def list_all_technical_failures(request: Request) -> dict[str, object]:
    """Administrators: every outage, the proposed and dismissed ones too."""
    reply = _stub(request).ListTechnicalFailures(
        maintenance_pb2.ListTechnicalFailuresRequest(include_proposed=True),
        metadata=tuple(caller_metadata(request)),
        timeout=10,
    )
    return {"technical_failures": [failure_view(f) for f in reply.failures]}


class RecordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    started_at: str = Field(
        max_length=64, description="ISO 8601 (court-local when it has no offset)"
    )
    ended_at: str = Field(max_length=64, description="ISO 8601 (court-local when it has no offset)")
    unavailable: str = Field(max_length=200, description="what was unavailable, e.g. `filing`")
    note: str = Field(default="", max_length=2000)


def parse_time(text: str, *, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=get_settings().tz)
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise CourtError(
            "validation_failed", f"{field}: not an ISO 8601 time", details={"field": field}
        ) from None
    if not 2000 <= parsed.year <= 2200:  # the court's own record, not the distant past
        raise CourtError(
            "validation_failed", f"{field}: not a plausible time", details={"field": field}
        )
    return parsed


@router.post("/admin/technical-failures", status_code=201)
def record_technical_failure(body: RecordBody, request: Request) -> dict[str, object]:
    """Administrators: record an unscheduled outage (confirmed at once)."""
    message = maintenance_pb2.RecordTechnicalFailureRequest(
        unavailable=body.unavailable, note=body.note
    )
    message.started_at.FromDatetime(parse_time(body.started_at, field="started_at"))
    message.ended_at.FromDatetime(parse_time(body.ended_at, field="ended_at"))
    reply = _stub(request).RecordTechnicalFailure(
        message, metadata=tuple(caller_metadata(request)), timeout=10
    )
    CONFIRMED.forget()
    return failure_view(reply.failure)


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unavailable: str = Field(default="", max_length=200, description="a correction, if any")
    note: str = Field(default="", max_length=2000)


def _decide(request: Request, failure_id: str, body: Any, *, confirm: bool) -> dict[str, object]:
    reply = _stub(request).DecideTechnicalFailure(
        maintenance_pb2.DecideTechnicalFailureRequest(
            failure_id=failure_id,
            confirm=confirm,
            unavailable=body.unavailable if body else "",
            note=body.note if body else "",
        ),
        metadata=tuple(caller_metadata(request)),
        timeout=10,
    )
    CONFIRMED.forget()
    return failure_view(reply.failure)


@router.post("/admin/technical-failures/{failure_id}/confirm")
def confirm_technical_failure(
    failure_id: FailureId, request: Request, body: DecisionBody | None = None
) -> dict[str, object]:
    """Administrators: confirm a proposed outage (it becomes public)."""
    return _decide(request, failure_id, body, confirm=True)


@router.post("/admin/technical-failures/{failure_id}/dismiss")
def dismiss_technical_failure(
    failure_id: FailureId, request: Request, body: DecisionBody | None = None
) -> dict[str, object]:
    """Administrators: dismiss a proposed outage (not a technical failure)."""
    return _decide(request, failure_id, body, confirm=False)
