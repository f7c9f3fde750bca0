"""Paper: the clerk dockets a filing received on paper, and serves the paper-service list.

A paper filing goes to filing (``SubmitPaperFiling``): OCR gives the scan its text layer, the
normal PDF checks follow, and docket records the entry with the party as filer. Paper service
due is notify's list (who each NDA names as served by mail); the printable packet is built
here from notify's NDA text and the entry's documents, which access serves to the clerk like
any other document (decided and audited there).
"""

from __future__ import annotations

from typing import Literal

from court.v1 import access_pb2, access_pb2_grpc, auth_pb2, common_pb2, filing_pb2, notify_pb2
from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from services.common import court
from services.common.document_stream import filing_stream
from services.common.enums import role_name
from services.common.errors import CourtError
from services.common.identity import bearer_token
from services.edge.problems import documented
from services.edge.routes.documents import STREAM_TIMEOUT_SECONDS, content_disposition
from services.edge.routes.filings import receipt_view
from services.edge.session import caller_metadata
from services.edge.uploads import read_upload, sent_documents
from services.edge.views import timestamp_view

router = APIRouter(prefix="/api/v1/clerk", tags=["clerk"])

PAPER_FILING_PROBLEMS: dict[int | str, dict[str, object]] = {
    403: documented("`forbidden`: only the Clerk's Office dockets paper filings"),
    404: documented("`not_found`: no such case"),
    413: documented("`too_large`: a scan or the whole filing is over its limit"),
    415: documented("`not_pdf`"),
    422: documented(
        "`validation_failed` (`field`: `type`, `filer_party`, `received_on`, ...),"
        " `scan_unreadable` (OCR found no text: blank, too faint, not a document),"
        " `pdf_too_complex` (OCR or the checks ran out of time or memory), and the PDF checks'"
        " codes (`pdf_malformed`, `pdf_encrypted`, `pii_unredacted`, ...)"
    ),
    503: documented("`ocr_unavailable`: OCRmyPDF or tesseract is not installed on filing"),
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
    body, upload = await read_upload(request, PaperFilingMetadataBody)
    reply = await run_in_threadpool(
        request.app.state.clients.filing.SubmitPaperFiling,
        filing_stream(
            filing_pb2.SubmitPaperFilingRequest(
                case_number=case_number[: court.MAX_CASE_NUMBER],
                filing_type=common_pb2.FilingType.Value("FILING_TYPE_" + body.type.upper()),
                description=body.description,
                filer_party=body.filer_party,
                received_on=body.received_on,
                idempotency_key=idempotency_key or "",
            ),
            sent_documents(upload.files),
        ),
        metadata=caller_metadata(request),
        timeout=_PAPER_FILING_TIMEOUT_SECONDS,
    )
    receipt = await run_in_threadpool(receipt_view, request, reply.filing)
    return {**receipt, "replayed": reply.replayed}


# -- paper service due ------------------------------------------------------------------------


def paper_service_view(item: notify_pb2.PaperServiceItem) -> dict[str, object]:
    served = item.HasField("served_at")
    return {
        "id": item.item_id,
        "case_number": item.case_number,
        "case_title": item.case_title,
        "entry_number": item.entry_number,
        "entry_text": item.entry_text,
        "participant": {
            "name": item.participant_name,
            "detail": item.participant_detail or None,
            "address": item.address or None,
        },
        "documents": list(item.document_ids),
        "due_since": timestamp_view(item.due_since),
        "served": served,
        "served_at": timestamp_view(item.served_at) if served else None,
        "served_by_account_id": item.served_by_account_id or None,
        "packet_url": f"/api/v1/clerk/paper-service/{item.item_id}/packet.pdf",
    }


PAPER_SERVICE_PROBLEMS: dict[int | str, dict[str, object]] = {
    403: documented("`forbidden`: court staff only"),
    404: documented("`not_found`: no such paper-service item"),
}


@router.get("/paper-service", responses=PAPER_SERVICE_PROBLEMS)
def paper_service_due(request: Request, include_served: bool = False) -> dict[str, object]:
    """Participants to serve by mail with an entry (the NDA lists them as not receiving it
    electronically), oldest first, until the clerk marks each served."""
    reply = request.app.state.clients.notify.ListPaperService(
        notify_pb2.ListPaperServiceRequest(include_served=include_served),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return {"items": [paper_service_view(item) for item in reply.items]}


@router.get(
    "/paper-service/{item_id}/packet.pdf",
    responses={**PAPER_SERVICE_PROBLEMS, 200: {"content": {"application/pdf": {}}}},
)
def paper_service_packet(item_id: str, request: Request) -> Response:
    """One printable PDF: the NDA, then the entry's documents (each opened through access as
    the clerk, so decided and audited like any other)."""
    metadata = tuple(caller_metadata(request))
    clients = request.app.state.clients
    reply = clients.notify.GetPaperService(
        notify_pb2.GetPaperServiceRequest(item_id=item_id[:64]), metadata=metadata, timeout=10
    )
    documents = [
        _document_bytes(clients.access, document_id, metadata)
        for document_id in reply.item.document_ids
    ]
    # pypdf loads with the first packet a clerk asks for, not in every edge replica's start
    # (a tenth of it, and 10 MB each; tests/unit/test_service_imports.py).
    from services.edge import paper_packet

    pdf = paper_packet.packet(reply.notice_text, documents)
    name = f"paper-service-{reply.item.case_number}-{reply.item.entry_number:03d}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(name),
            "Cache-Control": "private, no-store",
        },
    )


def _document_bytes(
    access: access_pb2_grpc.AccessServiceStub,
    document_id: str,
    metadata: tuple[tuple[str, str], ...],
) -> bytes:
    call = access.GetDocument(
        access_pb2.GetDocumentRequest(document_id=document_id),
        metadata=metadata,
        timeout=STREAM_TIMEOUT_SECONDS,
    )
    return b"".join(m.chunk for m in call if m.WhichOneof("content") == "chunk")


@router.post("/paper-service/{item_id}/served", responses=PAPER_SERVICE_PROBLEMS)
def mark_paper_served(item_id: str, request: Request) -> dict[str, object]:
    """The packet was mailed; the item leaves the list (a second call changes nothing)."""
    reply = request.app.state.clients.notify.MarkPaperServed(
        notify_pb2.MarkPaperServedRequest(item_id=item_id[:64]),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return paper_service_view(reply.item)
