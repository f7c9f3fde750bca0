"""Documents, free looks and the PACER fee statement.

A document streams from the access service to the client chunk by chunk: the edge never holds
a whole PDF. Access decides, verifies and charges before its first message, so every refusal
(and an integrity failure) is still a problem+json answer; only a failure after the first byte
cuts the response short (the client sees fewer bytes than Content-Length).
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC
from typing import Any
from urllib.parse import quote

import grpc
from court.v1 import access_pb2
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse

from services.common.clock import court_time
from services.common.settings import get_settings
from services.edge import problems
from services.edge.session import caller_metadata
from services.edge.views import timestamp_view

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["documents"])

# A whole document may take a while to reach a slow client; the stream still ends.
STREAM_TIMEOUT_SECONDS = 15 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF."}
}
# The free-look page: no scripts, no outside resources, forms only to ourselves, and the
# token in its address never leaks through a Referer header.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


# -- documents -----------------------------------------------------------------------------


@router.get("/documents/{document_id}", responses=_PDF_RESPONSE)
def open_document(document_id: str, request: Request) -> Response:
    """The PDF, when the caller may open it; the PACER fee is charged (`X-Fee-Cents`).

    401 `unauthenticated`; 403 `restricted_case` (immigration and Social Security cases: counsel
    of record and court staff only) or `sealed` (court staff only); 404 `not_found`.
    """
    call = request.app.state.clients.access.GetDocument(
        access_pb2.GetDocumentRequest(document_id=document_id[:64]),
        metadata=caller_metadata(request),
        timeout=STREAM_TIMEOUT_SECONDS,
    )
    return pdf_response(call)


def pdf_response(call: Iterator[access_pb2.GetDocumentResponse], **extra: str) -> Response:
    """Wait for the metadata message (a refusal raises here), then stream the chunks."""
    first = next(call, None)
    if first is None or first.WhichOneof("content") != "metadata":
        _cancel(call)
        log.error("document stream did not start with its metadata")
        return problems.problem("internal", "the court system could not serve the document")
    meta = first.metadata

    def body() -> Iterator[bytes]:
        try:
            for message in call:
                yield message.chunk
        except grpc.RpcError as exc:
            log.error(
                "document stream broke off",
                extra={"document_id": meta.document_id, "grpc_code": str(exc.code())},
            )
            raise
        finally:
            _cancel(call)  # the client went away, or we are done: free the service's stream

    headers = {
        "Content-Length": str(meta.size_bytes),
        "Content-Disposition": content_disposition(meta.filename),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Document-Id": meta.document_id,
        "X-Document-Pages": str(meta.pages),
        "X-Document-Sha256": meta.sha256,
        "X-Fee-Cents": str(meta.fee_cents),
        **extra,
    }
    return StreamingResponse(
        body(), media_type=meta.content_type or "application/pdf", headers=headers
    )


def _cancel(call: object) -> None:
    cancel = getattr(call, "cancel", None)
    if callable(cancel):
        cancel()


def content_disposition(filename: str, disposition: str = "inline") -> str:
    """RFC 6266: an ASCII fallback name and the exact name in UTF-8."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    fallback = fallback or "document.pdf"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


# -- free looks ----------------------------------------------------------------------------


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept or "+json" in accept


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "").lower() and not _wants_json(request)


def _refusal(request: Request, answer: JSONResponse) -> Response:
    """A refusal as problem+json, or as a short page for a person's browser."""
    if not _wants_html(request):
        return answer
    body = json.loads(bytes(answer.body))
    headers = {k: v for k, v in answer.headers.items() if k.lower() == "retry-after"}
    return HTMLResponse(
        _page(
            "This free look cannot be used",
            f"<p>{html.escape(str(body.get('detail', '')))}</p>"
            f"<p class=code>Reason: <code>{html.escape(str(body.get('code', '')))}</code></p>",
        ),
        status_code=answer.status_code,
        headers={**_PAGE_HEADERS, **headers},
    )


def _bad_token(request: Request) -> Response:
    return _refusal(request, problems.problem("not_found", "no such free look"))


@router.get("/free-looks/{token}", response_model=None)
def free_look_confirmation(token: str, request: Request) -> Response:
    """What a free-look link opens, without using it up (mail scanners follow links).

    A small HTML page with a button that POSTs to the same address, or JSON when the client
    sends `Accept: application/json`. 410 `free_look_used` / `free_look_expired`; 404
    `not_found` for a link that was never issued; 403 `sealed` when the entry was sealed.
    """
    if not _TOKEN.match(token):
        return _bad_token(request)
    try:
        reply = request.app.state.clients.access.GetFreeLook(
            access_pb2.GetFreeLookRequest(token=token), timeout=10
        )
    except grpc.RpcError as exc:
        return _refusal(request, problems.from_rpc_error(exc))
    view = {
        "document_id": reply.document_id,
        "filename": reply.filename,
        "pages": reply.pages,
        "case_number": reply.case_number,
        "entry_number": reply.entry_number,
        "recipient_email": reply.recipient_email,
        "expires_at": timestamp_view(reply.expires_at),
    }
    if _wants_json(request):
        return JSONResponse(view, headers={"Cache-Control": "no-store"})
    return HTMLResponse(_confirmation_page(token, reply), headers=_PAGE_HEADERS)


@router.post("/free-looks/{token}", responses=_PDF_RESPONSE, response_model=None)
def redeem_free_look(token: str, request: Request) -> Response:
    """The PDF, once and free; afterwards 410 `free_look_used`. No login needed."""
    if not _TOKEN.match(token):
        return _bad_token(request)
    call = request.app.state.clients.access.RedeemFreeLook(
        access_pb2.RedeemFreeLookRequest(token=token), timeout=STREAM_TIMEOUT_SECONDS
    )
    try:
        return pdf_response(call, **{"Referrer-Policy": "no-referrer"})
    except grpc.RpcError as exc:
        return _refusal(request, problems.from_rpc_error(exc))


def _confirmation_page(token: str, reply: access_pb2.GetFreeLookResponse) -> str:
    expires = court_time(reply.expires_at.ToDatetime(tzinfo=UTC), get_settings().tz)
    e = html.escape
    entry = f", docket entry {reply.entry_number}" if reply.entry_number else ""
    pages = f"{reply.pages} page{'s' if reply.pages != 1 else ''}"
    return _page(
        f"Free look: case {reply.case_number}",
        f"<p>Case <strong>{e(reply.case_number)}</strong>{e(entry)}</p>"
        f"<p>Document <strong>{e(reply.filename)}</strong> ({e(pages)})</p>"
        f"<p>This link was sent to {e(reply.recipient_email)}. It opens the document once,"
        f" free of charge, until {e(expires.local_label)}; after that it stops working.</p>"
        f'<form method="post" action="/api/v1/free-looks/{e(quote(token, safe=""))}">'
        '<button type="submit">Open the document (uses this free look)</button></form>',
    )


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} — OpenECF</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1rem}"
        ".code{color:#555}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


# -- fees ----------------------------------------------------------------------------------


@router.get("/billing")
def billing_statement(
    request: Request, quarter: str = Query(default="", max_length=7, pattern=r"^(\d{4}-Q[1-4])?$")
) -> dict[str, object]:
    """The caller's PACER fees for a quarter (`YYYY-Qn`, court-local; default: this one).

    A quarter whose total is $30.00 or less is waived (`waived: true`, nothing due).
    """
    reply = request.app.state.clients.access.GetBillingStatement(
        access_pb2.GetBillingStatementRequest(quarter=quarter),
        metadata=caller_metadata(request),
        timeout=10,
    )
    total = reply.quarter_total_cents
    return {
        "quarter": reply.quarter,
        "charges": [
            {
                "charge_id": c.charge_id,
                "document_id": c.document_id,
                "case_number": c.case_number or None,
                "pages": c.pages,
                "fee_cents": c.fee_cents,
                "charged_at": timestamp_view(c.charged_at),
            }
            for c in reply.charges
        ],
        "total_cents": total,
        "waived": reply.waived,
        "amount_due_cents": 0 if reply.waived else total,
    }
