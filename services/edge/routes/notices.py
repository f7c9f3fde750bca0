"""The caller's Notices of Docket Activity, and subscriptions to a case's notices."""

from __future__ import annotations

from court.v1 import common_pb2, notify_pb2
from fastapi import APIRouter, Query, Request, Response

from services.edge.session import caller_metadata
from services.edge.views import timestamp_view

router = APIRouter(prefix="/api/v1", tags=["notices"])

_STATUSES = {
    notify_pb2.DELIVERY_STATUS_PENDING: "pending",
    notify_pb2.DELIVERY_STATUS_SENT: "sent",
    notify_pb2.DELIVERY_STATUS_RETRYING: "retrying",
    notify_pb2.DELIVERY_STATUS_FAILED: "failed",
}
_FORMATS = {common_pb2.NOTICE_FORMAT_HTML: "html", common_pb2.NOTICE_FORMAT_TEXT: "text"}


def notice_view(notice: notify_pb2.Notice) -> dict[str, object]:
    return {
        "notice_id": notice.notice_id,
        "case_number": notice.case_number,
        "case_title": notice.case_title,
        "entry_number": notice.entry_number,
        "subject": notice.subject,
        "recipient_email": notice.recipient_email,
        "format": _FORMATS.get(notice.format, "html"),
        "status": _STATUSES.get(notice.status, "pending"),
        "created_at": timestamp_view(notice.created_at),
        "sent_at": timestamp_view(notice.sent_at) if notice.HasField("sent_at") else None,
    }


@router.get("/notices")
def my_notices(
    request: Request,
    page_size: int = Query(default=25, ge=1, le=100),
    page_token: str = Query(default="", max_length=500),
) -> dict[str, object]:
    """NDAs sent to the caller (any of their addresses), newest first, with delivery status."""
    reply = request.app.state.clients.notify.ListNotices(
        notify_pb2.ListNoticesRequest(
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token)
        ),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return {
        "notices": [notice_view(n) for n in reply.notices],
        "next_page_token": reply.page.next_page_token or None,
        "total": reply.page.total_size,
    }


@router.get("/notices/{notice_id}")
def notice_delivery(notice_id: str, request: Request) -> dict[str, object]:
    """One notice's delivery: status, attempts, the last SMTP error, the next attempt."""
    reply = request.app.state.clients.notify.GetDeliveryStatus(
        notify_pb2.GetDeliveryStatusRequest(notice_id=notice_id[:64]),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return {
        **notice_view(reply.notice),
        "attempts": reply.attempts,
        "last_error": reply.last_error or None,
        "next_attempt_at": (
            timestamp_view(reply.next_attempt_at) if reply.HasField("next_attempt_at") else None
        ),
    }


@router.put("/cases/{case_number}/subscription")
def subscribe(case_number: str, request: Request) -> dict[str, object]:
    """Ask for the NDAs of a case you are not in (idempotent)."""
    request.app.state.clients.notify.Subscribe(
        notify_pb2.SubscribeRequest(case_number=case_number[:40]),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return {"case_number": case_number, "subscribed": True}


@router.delete("/cases/{case_number}/subscription", status_code=204)
def unsubscribe(case_number: str, request: Request) -> Response:
    """Stop the NDAs of a case you subscribed to (idempotent)."""
    request.app.state.clients.notify.Unsubscribe(
        notify_pb2.UnsubscribeRequest(case_number=case_number[:40]),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return Response(status_code=204)
