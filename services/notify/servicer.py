"""NotifyService over gRPC: the caller's notices and case subscriptions."""

from __future__ import annotations

import grpc
from court.v1 import common_pb2, notify_pb2, notify_pb2_grpc
from psycopg_pool import ConnectionPool

from services.common.court import COURT_STAFF_ROLES, check_case_number
from services.common.principal import require_principal
from services.notify.paper_service import PaperServiceDesk
from services.notify.store import api as store

Context = grpc.ServicerContext
MAX_PAGE = 100
_STATUSES = {
    "needs_links": notify_pb2.DELIVERY_STATUS_PENDING,
    "pending": notify_pb2.DELIVERY_STATUS_PENDING,
    "retrying": notify_pb2.DELIVERY_STATUS_RETRYING,
    "sent": notify_pb2.DELIVERY_STATUS_SENT,
    "failed": notify_pb2.DELIVERY_STATUS_FAILED,
}
_FORMATS = {"html": common_pb2.NOTICE_FORMAT_HTML, "text": common_pb2.NOTICE_FORMAT_TEXT}


def notice_proto(row: store.NoticeRow) -> notify_pb2.Notice:
    notice = notify_pb2.Notice(
        notice_id=row.notice_id,
        case_number=row.case_number,
        entry_number=row.entry_number,
        subject=row.subject_line,
        recipient_email=row.recipient_email,
        status=_STATUSES[row.status],
        case_title=row.case_title,
        format=_FORMATS[row.notice_format],
    )
    notice.created_at.FromDatetime(row.created_at)
    if row.sent_at is not None:
        notice.sent_at.FromDatetime(row.sent_at)
    return notice


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, pool: ConnectionPool, paper: PaperServiceDesk) -> None:
        self._pool = pool
        self._paper = paper

    # -- the clerk's paper service (services/notify/paper_service.py) ---------------------

    def ListPaperService(
        self, request: notify_pb2.ListPaperServiceRequest, context: Context
    ) -> notify_pb2.ListPaperServiceResponse:
        require_principal(*COURT_STAFF_ROLES)
        items = self._paper.list(include_served=request.include_served)
        return notify_pb2.ListPaperServiceResponse(items=items)

    def GetPaperService(
        self, request: notify_pb2.GetPaperServiceRequest, context: Context
    ) -> notify_pb2.GetPaperServiceResponse:
        require_principal(*COURT_STAFF_ROLES)
        item, text = self._paper.get(request.item_id)
        return notify_pb2.GetPaperServiceResponse(item=item, notice_text=text)

    def MarkPaperServed(
        self, request: notify_pb2.MarkPaperServedRequest, context: Context
    ) -> notify_pb2.MarkPaperServedResponse:
        clerk = require_principal(*COURT_STAFF_ROLES)
        return notify_pb2.MarkPaperServedResponse(
            item=self._paper.mark_served(clerk, request.item_id)
        )

    def ListNotices(
        self, request: notify_pb2.ListNoticesRequest, context: Context
    ) -> notify_pb2.ListNoticesResponse:
        principal = require_principal()
        size = min(request.page.page_size or 25, MAX_PAGE)
        with self._pool.connection() as conn:
            rows, next_token, total = store.list_notices(
                conn,
                account_id=principal.account_id,
                page_size=size,
                page_token=request.page.page_token[:500],
            )
        response = notify_pb2.ListNoticesResponse(notices=[notice_proto(r) for r in rows])
        response.page.next_page_token = next_token
        response.page.total_size = total
        return response

    def GetDeliveryStatus(
        self, request: notify_pb2.GetDeliveryStatusRequest, context: Context
    ) -> notify_pb2.GetDeliveryStatusResponse:
        principal = require_principal()
        with self._pool.connection() as conn:
            row = store.get_notice(
                conn,
                notice_id=request.notice_id[:64],
                account_id=principal.account_id,
                court_staff=principal.is_court_staff,
            )
        response = notify_pb2.GetDeliveryStatusResponse(
            notice=notice_proto(row), attempts=row.attempts, last_error=row.last_error or ""
        )
        if row.status in ("needs_links", "pending", "retrying"):
            response.next_attempt_at.FromDatetime(row.next_attempt_at)
        return response

    def Subscribe(
        self, request: notify_pb2.SubscribeRequest, context: Context
    ) -> notify_pb2.SubscribeResponse:
        principal = require_principal()
        case_number = check_case_number(request.case_number)
        with self._pool.connection() as conn, conn.transaction():
            store.subscribe(conn, account_id=principal.account_id, case_number=case_number)
        return notify_pb2.SubscribeResponse()

    def Unsubscribe(
        self, request: notify_pb2.UnsubscribeRequest, context: Context
    ) -> notify_pb2.UnsubscribeResponse:
        principal = require_principal()
        case_number = check_case_number(request.case_number)
        with self._pool.connection() as conn, conn.transaction():
            store.unsubscribe(conn, account_id=principal.account_id, case_number=case_number)
        return notify_pb2.UnsubscribeResponse()
