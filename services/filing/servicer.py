"""FilingService over gRPC: translate messages, check who is asking, call the domain."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

import grpc
from court.v1 import filing_pb2, filing_pb2_grpc
from psycopg_pool import ConnectionPool

from services.common.court import COURT_STAFF_ROLES
from services.common.errors import CourtError
from services.common.principal import require_principal
from services.filing import store
from services.filing.intake import Intake
from services.filing.models import (
    CASE_TYPE_NAMES,
    FILING_TYPE_NAMES,
    PARTY_ROLE_NAMES,
    FilingRequest,
    PaperReceipt,
    Party,
    Upload,
)
from services.filing.review import Review
from services.filing.upload_stream import read_filing_stream

Context = grpc.ServicerContext
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def _filing_request(
    metadata: filing_pb2.FilingMetadata, uploads: tuple[Upload, ...]
) -> FilingRequest:
    return FilingRequest(
        filing_type=FILING_TYPE_NAMES.get(metadata.filing_type, ""),
        case_number=metadata.case_number.strip(),
        title=metadata.title,
        case_type=CASE_TYPE_NAMES.get(metadata.case_type, ""),
        parties=tuple(
            Party(p.name.strip(), PARTY_ROLE_NAMES.get(p.role, "unspecified"))
            for p in metadata.parties
        ),
        description=metadata.description,
        origin_agency=metadata.origin_agency.strip(),
        alien_number=metadata.alien_number.strip().upper(),
        receive_notices=(
            metadata.receive_notices if metadata.HasField("receive_notices") else None
        ),
        uploads=uploads,
    )


def _paper_request(
    request: filing_pb2.SubmitPaperFilingRequest, uploads: tuple[Upload, ...]
) -> FilingRequest:
    try:
        received_on = date.fromisoformat(request.received_on.strip())
    except ValueError:
        raise CourtError(
            "validation_failed",
            "received_on is the day the paper was received, as YYYY-MM-DD",
            details={"field": "received_on"},
        ) from None
    return FilingRequest(
        filing_type=FILING_TYPE_NAMES.get(request.filing_type, ""),
        case_number=request.case_number.strip(),
        title="",
        case_type="",
        parties=(),
        description=request.description,
        uploads=uploads,
        paper=PaperReceipt(filer_party=request.filer_party.strip(), received_on=received_on),
    )


def _idempotency_key(value: str) -> str | None:
    if value and not _KEY.match(value):
        raise CourtError(
            "validation_failed",
            "Idempotency-Key must be 1-200 visible characters",
            details={"field": "idempotency_key"},
        )
    return value or None


def _filing_id(value: str) -> str:
    if not _UUID.match(value):
        raise CourtError("not_found", "no such filing")
    return value


class FilingServicer(filing_pb2_grpc.FilingServiceServicer):
    def __init__(
        self, *, pool: ConnectionPool, intake: Intake, review: Review, tz: ZoneInfo
    ) -> None:
        self._pool = pool
        self._tz = tz
        self._intake = intake
        self._review = review

    def SubmitFiling(
        self, requests: Iterator[filing_pb2.SubmitFilingRequest], context: Context
    ) -> filing_pb2.SubmitFilingResponse:
        principal = require_principal()
        request, uploads = read_filing_stream(requests, self._intake.limits)
        key = _idempotency_key(request.idempotency_key)
        filing, replayed = self._intake.submit(
            principal, _filing_request(request.metadata, uploads), idempotency_key=key
        )
        return filing_pb2.SubmitFilingResponse(filing=filing.to_proto(self._tz), replayed=replayed)

    def SubmitPaperFiling(
        self, requests: Iterator[filing_pb2.SubmitPaperFilingRequest], context: Context
    ) -> filing_pb2.SubmitPaperFilingResponse:
        # Any signed-in caller reaches the rules, which refuse all but the clerk (forbidden).
        principal = require_principal()
        request, uploads = read_filing_stream(requests, self._intake.limits)
        key = _idempotency_key(request.idempotency_key)
        filing, replayed = self._intake.submit(
            principal, _paper_request(request, uploads), idempotency_key=key
        )
        return filing_pb2.SubmitPaperFilingResponse(
            filing=filing.to_proto(self._tz), replayed=replayed
        )

    def CheckFiling(
        self, requests: Iterator[filing_pb2.CheckFilingRequest], context: Context
    ) -> filing_pb2.CheckFilingResponse:
        principal = require_principal()
        request, uploads = read_filing_stream(requests, self._intake.limits)
        findings, _ = self._intake.check(
            principal, _filing_request(request.metadata, uploads), check_all=request.check_all
        )
        response = filing_pb2.CheckFilingResponse(acceptable=not findings)
        for finding in findings:
            message = response.findings.add(
                code=finding.code,
                message=finding.message,
                severity=filing_pb2.FINDING_SEVERITY_ERROR,
            )
            if finding.document_index is not None:
                message.document_index = finding.document_index
        return response

    def GetFiling(
        self, request: filing_pb2.GetFilingRequest, context: Context
    ) -> filing_pb2.GetFilingResponse:
        principal = require_principal()
        with self._pool.connection() as conn:
            filing = store.filing_by_id(conn, _filing_id(request.filing_id))
        # A filing's status is its filer's and the court's business, nobody else's.
        if filing is None or (
            filing.filer_account_id != principal.account_id and not principal.is_court_staff
        ):
            raise CourtError("not_found", "no such filing")
        return filing_pb2.GetFilingResponse(filing=filing.to_proto(self._tz))

    def ListReviewQueue(
        self, request: filing_pb2.ListReviewQueueRequest, context: Context
    ) -> filing_pb2.ListReviewQueueResponse:
        require_principal(*COURT_STAFF_ROLES)
        limit = min(request.page.page_size or 50, 200)
        return filing_pb2.ListReviewQueueResponse(
            filings=[f.to_proto(self._tz) for f in self._review.queue(limit)]
        )

    def AcceptFiling(
        self, request: filing_pb2.AcceptFilingRequest, context: Context
    ) -> filing_pb2.AcceptFilingResponse:
        clerk = require_principal(*COURT_STAFF_ROLES)
        filing = self._review.accept(clerk, _filing_id(request.filing_id))
        return filing_pb2.AcceptFilingResponse(filing=filing.to_proto(self._tz))

    def RejectFiling(
        self, request: filing_pb2.RejectFilingRequest, context: Context
    ) -> filing_pb2.RejectFilingResponse:
        clerk = require_principal(*COURT_STAFF_ROLES)
        filing = self._review.reject(clerk, _filing_id(request.filing_id), request.reason)
        return filing_pb2.RejectFilingResponse(filing=filing.to_proto(self._tz))
