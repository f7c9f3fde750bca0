"""Paper: the clerk dockets a filing received on paper, and serves the paper-service list.

A paper filing goes to filing (``SubmitPaperFiling``): OCR gives the scan its text layer, the
normal PDF checks follow, and docket records the entry with the party as filer. Paper service
due is notify's list (who each NDA names as served by mail); the printable packet is built
here from notify's NDA text and the entry's documents, which access serves to the clerk like
any other document (decided and audited there).
"""

from __future__ import annotations

from typing import Literal

from court.v1 import auth_pb2, common_pb2, filing_pb2
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from python_multipart.exceptions import MultipartParseError
from starlette.concurrency import run_in_threadpool

from services.common import court
from services.common.enums import role_name
from services.common.errors import CourtError
from services.common.identity import bearer_token
from services.common.settings import get_settings
from services.edge.routes.filings import _problem, receipt_view
from services.edge.session import caller_metadata
from services.edge.uploads import FilingUpload, UploadLimits, read_filing_upload

router = APIRouter(prefix="/api/v1/clerk", tags=["clerk"])

PAPER_FILING_PROBLEMS: dict[int | str, dict[str, object]] = {
    403: _problem("`forbidden`: only the Clerk's Office dockets paper filings"),
    404: _problem("`not_found`: no such case"),
    413: _problem("`too_large`: a scan or the whole filing is over its limit"),
    415: _problem("`not_pdf`"),
    422: _problem(
        "`validation_failed` (`field`: `type`, `filer_party`, `received_on`, ...),"
        " `scan_unreadable` (OCR found no text: blank, too faint, not a document),"
        " `pdf_too_complex` (OCR or the checks ran out of time or memory), and the PDF checks'"
        " codes (`pdf_malformed`, `pdf_encrypted`, `pii_unredacted`, ...)"
    ),
    503: _problem("`ocr_unavailable`: OCRmyPDF or tesseract is not installed on filing"),
}

PaperFilingTypeName = Literal["motion", "brief", "letter", "other"]

# OCR of a long scan takes a while; the filing service bounds it per document.
_PAPER_FILING_TIMEOUT_SECONDS = 600


class PaperFilingMetadataBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: PaperFilingTypeName
    description: str = Field(default="", max_length=court.MAX_DESCRIPTION)
    filer_party: str = Field(min_length=1, max_length=court.MAX_PARTY_NAME)
    # The court-local day the paper was received: the entry's filed date.
    received_on: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


async def _require_clerk(request: Request) -> None:
    """Refuse anyone but court staff before a byte of the scan is read."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None or not (token.isascii() and token.isprintable()):
        raise CourtError("unauthenticated", "log in first")
    reply = await run_in_threadpool(
        request.app.state.clients.auth.ValidateSession,
        auth_pb2.ValidateSessionRequest(token=token),
        timeout=10,
    )
    if not court.is_court_staff(role_name(reply.account.role)):
        raise CourtError("forbidden", "only the Clerk's Office dockets filings received on paper")


def _limits() -> UploadLimits:
    settings = get_settings()
    return UploadLimits(
        max_file_bytes=settings.filing_max_file_mb * 2**20,
        max_total_bytes=settings.filing_max_total_mb * 2**20,
        max_files=settings.filing_max_attachments + 1,
    )


@router.post("/cases/{case_number}/paper-filings", status_code=201, responses=PAPER_FILING_PROBLEMS)
async def submit_paper_filing(
    case_number: str,
    request: Request,
    idempotency_key: str | None = Header(default=None, max_length=200),
) -> dict[str, object]:
    """Docket a filing received on paper on a party's behalf: part `metadata` (JSON: `type`,
    `description`, `filer_party`, `received_on` YYYY-MM-DD), part `lead` (the scanned PDF)
    and optional `attachments`. OCR adds the text layer the record needs."""
    await _require_clerk(request)
    try:
        upload: FilingUpload = await read_filing_upload(request, _limits())
    except (MultipartParseError, ValueError):
        raise CourtError("validation_failed", "the multipart body is malformed") from None
    try:
        body = PaperFilingMetadataBody.model_validate(upload.metadata)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CourtError(
            "validation_failed", f"metadata.{where}: {first['msg']}", details={"field": where}
        ) from None
    reply = await run_in_threadpool(
        request.app.state.clients.filing.SubmitPaperFiling,
        filing_pb2.SubmitPaperFilingRequest(
            case_number=case_number[: court.MAX_CASE_NUMBER],
            filing_type=common_pb2.FilingType.Value("FILING_TYPE_" + body.type.upper()),
            description=body.description,
            filer_party=body.filer_party,
            received_on=body.received_on,
            documents=[
                filing_pb2.UploadedDocument(
                    role=filing_pb2.DOCUMENT_ROLE_LEAD
                    if f.part == "lead"
                    else filing_pb2.DOCUMENT_ROLE_ATTACHMENT,
                    filename=f.filename,
                    content=bytes(f.content),
                )
                for f in upload.files
            ],
            idempotency_key=idempotency_key or "",
        ),
        metadata=caller_metadata(request),
        timeout=_PAPER_FILING_TIMEOUT_SECONDS,
    )
    receipt = await run_in_threadpool(receipt_view, request, reply.filing)
    return {**receipt, "replayed": reply.replayed}
