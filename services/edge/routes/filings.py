"""Filing: submit, check without filing, status, and the clerk's review queue."""

from __future__ import annotations

from typing import Literal

from court.v1 import common_pb2, filing_pb2
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from python_multipart.exceptions import MultipartParseError
from starlette.concurrency import run_in_threadpool

from services.common.errors import CourtError
from services.common.settings import get_settings
from services.edge.session import caller_metadata, require_session
from services.edge.uploads import FilingUpload, UploadLimits, read_filing_upload
from services.edge.views import filing_view

router = APIRouter(prefix="/api/v1", tags=["filings"])

FilingTypeName = Literal[
    "petition_for_review", "notice_of_appearance", "motion", "brief", "letter", "other"
]
CaseTypeName = Literal["immigration", "social_security", "agency", "civil", "criminal"]
PartyRoleName = Literal["petitioner", "respondent", "appellant", "appellee", "intervenor", "amicus"]


class PartyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: PartyRoleName


class FilingMetadataBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: FilingTypeName
    case_number: str = Field(default="", max_length=20)
    title: str = Field(default="", max_length=300)
    case_type: CaseTypeName | None = None
    parties: list[PartyBody] = Field(default_factory=list, max_length=50)
    description: str = Field(default="", max_length=1000)
    # Petitions: the agency whose order is under review; for immigration, the A-number.
    origin_agency: str = Field(default="", max_length=200)
    alien_number: str = Field(default="", max_length=12)


class ReviewDecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


def _limits() -> UploadLimits:
    settings = get_settings()
    return UploadLimits(
        max_file_bytes=settings.filing_max_file_mb * 2**20,
        max_total_bytes=settings.filing_max_total_mb * 2**20,
        max_files=settings.filing_max_attachments + 1,
    )


async def _read(
    request: Request,
) -> tuple[filing_pb2.FilingMetadata, list[filing_pb2.UploadedDocument]]:
    await require_session(request)  # before a byte of the body is read
    try:
        upload: FilingUpload = await read_filing_upload(request, _limits())
    except (MultipartParseError, ValueError):
        raise CourtError("validation_failed", "the multipart body is malformed") from None
    try:
        body = FilingMetadataBody.model_validate(upload.metadata)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CourtError(
            "validation_failed", f"metadata.{where}: {first['msg']}", details={"field": where}
        ) from None
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
    if body.case_type:
        metadata.case_type = common_pb2.CaseType.Value("CASE_TYPE_" + body.case_type.upper())
    documents = [
        filing_pb2.UploadedDocument(
            role=filing_pb2.DOCUMENT_ROLE_LEAD
            if f.part == "lead"
            else filing_pb2.DOCUMENT_ROLE_ATTACHMENT,
            filename=f.filename,
            content=bytes(f.content),
        )
        for f in upload.files
    ]
    return metadata, documents


@router.post("/filings", status_code=201)
async def submit_filing(
    request: Request,
    idempotency_key: str | None = Header(default=None, max_length=200),
) -> dict[str, object]:
    """File a petition or a document in a case: part `metadata` (JSON), parts `lead` and
    `attachments` (PDF). The same `Idempotency-Key` and body answer the same receipt."""
    metadata, documents = await _read(request)
    stub = request.app.state.clients.filing
    reply = await run_in_threadpool(
        stub.SubmitFiling,
        filing_pb2.SubmitFilingRequest(
            metadata=metadata, documents=documents, idempotency_key=idempotency_key or ""
        ),
        metadata=caller_metadata(request),
        timeout=120,
    )
    return {**filing_view(reply.filing), "replayed": reply.replayed}


@router.post("/filings/check")
async def check_filing(request: Request) -> dict[str, object]:
    """The same checks as filing, without filing: every finding with its code."""
    metadata, documents = await _read(request)
    stub = request.app.state.clients.filing
    reply = await run_in_threadpool(
        stub.CheckFiling,
        filing_pb2.CheckFilingRequest(metadata=metadata, documents=documents),
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
    return filing_view(reply.filing)


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
