"""Filing: submit, check without filing, status, and the clerk's review queue."""

from __future__ import annotations

from typing import Literal

from court.v1 import common_pb2, filing_pb2
from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from starlette.concurrency import run_in_threadpool

from services.common import court
from services.common.document_stream import filing_stream
from services.edge.problems import documented
from services.edge.routes.technical_failures import receipt_note
from services.edge.session import caller_metadata, require_session
from services.edge.uploads import UploadedFile, read_upload, sent_documents
from services.edge.views import filing_view

router = APIRouter(prefix="/api/v1", tags=["filings"])


# The refusals a filing (or its check) answers, by HTTP status, with their stable codes.
FILING_PROBLEMS: dict[int | str, dict[str, object]] = {
    403: documented(
        "`paper_filing_required` (pro se in an immigration case: before any other check),"
        " `not_efiler`, `mfa_required`, `not_counsel_of_record`"
        " (decided before any PDF is opened)"
    ),
    409: documented("`duplicate`: the Idempotency-Key was used for a different filing"),
    413: documented("`too_large`: a PDF or the whole filing is over its limit"),
    415: documented("`not_pdf`"),
    422: documented(
        "`validation_failed`, `pdf_malformed`, `pdf_too_complex` (not checkable in the time"
        " allowed: split the document or contact the clerk), `pdf_encrypted`,"
        " `pdf_active_content`, `pdf_embedded_files`, `pdf_not_searchable`, `pii_unredacted`"
        " (Rule 5.2(a): kind and page named), `pdf_bad_redaction` (text under a black box)"
    ),
    429: documented(
        "`rate_limited`: the account has too many filings being checked at once (Retry-After)"
    ),
}

FilingTypeName = Literal[
    "petition_for_review", "notice_of_appearance", "motion", "brief", "letter", "other"
]
CaseTypeName = Literal["immigration", "social_security", "agency", "civil", "criminal"]
PartyRoleName = Literal["petitioner", "respondent", "appellant", "appellee", "intervenor", "amicus"]


class PartyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=court.MAX_PARTY_NAME)
    role: PartyRoleName


class FilingMetadataBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: FilingTypeName
    case_number: str = Field(default="", max_length=court.MAX_CASE_NUMBER)
    title: str = Field(default="", max_length=court.MAX_TITLE)
    case_type: CaseTypeName | None = None
    parties: list[PartyBody] = Field(default_factory=list, max_length=court.MAX_PARTIES)
    description: str = Field(default="", max_length=court.MAX_DESCRIPTION)
    # Petitions: the agency whose order is under review; for immigration, the A-number.
    origin_agency: str = Field(default="", max_length=court.MAX_ORIGIN_AGENCY)
    alien_number: str = Field(default="", max_length=court.MAX_ALIEN_NUMBER)
    # Notices of appearance (the party represented is the first of `parties`): CM/ECF's
    # "Notice" box, whether the attorney receives the case's NDAs; left out means yes.
    receive_notices: StrictBool | None = None


class ReviewDecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=court.MAX_REVIEW_REASON)


async def _read(request: Request) -> tuple[filing_pb2.FilingMetadata, list[UploadedFile]]:
    await require_session(request)  # before a byte of the body is read
    body, upload = await read_upload(request, FilingMetadataBody)
    metadata = filing_pb2.FilingMetadata(
        filing_type=common_pb2.FilingType.Value("FILING_TYPE_" + body.type.upper()),
        case_number=body.case_number,
        title=body.title,
        description=body.description,
        origin_agency=body.origin_agency,
        alien_number=body.alien_number,
        parties=[
            common_pb2.Party(
                name=p.name, role=common_pb2.PartyRole.Value("PARTY_ROLE_" + p.role.upper())
            )
            for p in body.parties
        ],
    )
    if body.receive_notices is not None:
        metadata.receive_notices = body.receive_notices
    if body.case_type:
        metadata.case_type = common_pb2.CaseType.Value("CASE_TYPE_" + body.case_type.upper())
    return metadata, upload.files


@router.post("/filings", status_code=201, responses=FILING_PROBLEMS)
async def submit_filing(
    request: Request,
    idempotency_key: str | None = Header(default=None, max_length=200),
) -> dict[str, object]:
    """File a petition or a document in a case: part `metadata` (JSON), parts `lead` and
    `attachments` (PDF). The same `Idempotency-Key` and body answer the same receipt."""
    metadata, files = await _read(request)
    stub = request.app.state.clients.filing
    submit = filing_stream(
        filing_pb2.SubmitFilingRequest(metadata=metadata, idempotency_key=idempotency_key or ""),
        sent_documents(files),
    )

    def file_and_receipt() -> dict[str, object]:
        # The filing and the receipt (reading the outage record is a blocking gRPC call,
        # cached) in one trip to a worker thread: off the event loop, one hand-off less.
        reply = stub.SubmitFiling(submit, metadata=caller_metadata(request), timeout=120)
        return {**receipt_view(request, reply.filing), "replayed": reply.replayed}

    return await run_in_threadpool(file_and_receipt)


@router.post("/filings/check", responses=FILING_PROBLEMS)
async def check_filing(
    request: Request,
    check_all: bool = Query(default=False, alias="all"),
) -> dict[str, object]:
    """The same checks as filing, without filing: findings with their codes. The first
    refused document stops the others unless `?all=true` asks to check every document."""
    metadata, files = await _read(request)
    stub = request.app.state.clients.filing
    check = filing_stream(
        filing_pb2.CheckFilingRequest(metadata=metadata, check_all=check_all),
        sent_documents(files),
    )
    reply = await run_in_threadpool(
        stub.CheckFiling,
        check,
        metadata=caller_metadata(request),
        timeout=120,
    )
    return {
        "acceptable": reply.acceptable,
        "findings": [
            {
                "code": f.code,
                "message": f.message,
                "document_index": f.document_index if f.HasField("document_index") else None,
            }
            for f in reply.findings
        ],
    }


@router.get("/filings/{filing_id}")
def filing_status(filing_id: str, request: Request) -> dict[str, object]:
    reply = request.app.state.clients.filing.GetFiling(
        filing_pb2.GetFilingRequest(filing_id=filing_id[:64]),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return receipt_view(request, reply.filing)


def receipt_view(request: Request, filing: filing_pb2.Filing) -> dict[str, object]:
    """The receipt, saying so when it was received during or just after a technical failure."""
    return {**filing_view(filing), "technical_failure": receipt_note(request, filing.received_at)}


@router.get("/clerk/queue")
def review_queue(request: Request) -> dict[str, object]:
    reply = request.app.state.clients.filing.ListReviewQueue(
        filing_pb2.ListReviewQueueRequest(), metadata=caller_metadata(request), timeout=10
    )
    return {"filings": [filing_view(f) for f in reply.filings]}


@router.post("/clerk/filings/{filing_id}/accept")
def accept_filing(filing_id: str, request: Request) -> dict[str, object]:
    reply = request.app.state.clients.filing.AcceptFiling(
        filing_pb2.AcceptFilingRequest(filing_id=filing_id[:64]),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return filing_view(reply.filing)


@router.post("/clerk/filings/{filing_id}/reject")
def reject_filing(filing_id: str, body: ReviewDecisionBody, request: Request) -> dict[str, object]:
    reply = request.app.state.clients.filing.RejectFiling(
        filing_pb2.RejectFilingRequest(filing_id=filing_id[:64], reason=body.reason),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return filing_view(reply.filing)
