"""DocketService over gRPC: check who is asking, call the domain, translate messages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import grpc
from court.v1 import common_pb2, docket_pb2, docket_pb2_grpc
from psycopg_pool import ConnectionPool

from services.common.clock import Clock, system_clock
from services.common.court import COURT_STAFF_ROLES
from services.common.identity import current_caller
from services.common.principal import Principal, require_principal
from services.docket.fees import fee_status_of, set_fee_status
from services.docket.models import Viewer
from services.docket.sealing import seal_entry
from services.docket.search import SearchPage, search_cases
from services.docket.sheet import DocketReader
from services.docket.wire import case_pb, entry_pb

Context = grpc.ServicerContext


def viewer_of(principal: Principal) -> Viewer:
    return Viewer(account_id=principal.account_id, is_court_staff=principal.is_court_staff)


class DocketServicer(docket_pb2_grpc.DocketServiceServicer):
    def __init__(
        self,
        *,
        pool: ConnectionPool,
        reader: DocketReader,
        clock: Clock = system_clock,
        tz: ZoneInfo,
    ) -> None:
        self._pool = pool
        self._reader = reader
        self._clock = clock
        self._tz = tz

    def GetCase(
        self, request: docket_pb2.GetCaseRequest, context: Context
    ) -> docket_pb2.GetCaseResponse:
        viewer = viewer_of(require_principal())
        return docket_pb2.GetCaseResponse(case=self._reader.case(request.case_number, viewer))

    def GetDocketSheet(
        self, request: docket_pb2.GetDocketSheetRequest, context: Context
    ) -> docket_pb2.GetDocketSheetResponse:
        viewer = viewer_of(require_principal())
        return self._reader.sheet(
            request.case_number,
            request.page,
            viewer,
            session_token=current_caller().session_token,
        )

    def SearchCases(
        self, request: docket_pb2.SearchCasesRequest, context: Context
    ) -> docket_pb2.SearchCasesResponse:
        principal = require_principal()
        found = self._search(principal, request.query, request.mine, request.page)
        return docket_pb2.SearchCasesResponse(
            cases=self._cases(found, principal), page=_page_info(found)
        )

    def ListMyCases(
        self, request: docket_pb2.ListMyCasesRequest, context: Context
    ) -> docket_pb2.ListMyCasesResponse:
        principal = require_principal()
        found = self._search(principal, "", True, request.page)
        return docket_pb2.ListMyCasesResponse(
            cases=self._cases(found, principal), page=_page_info(found)
        )

    def SealEntry(
        self, request: docket_pb2.SealEntryRequest, context: Context
    ) -> docket_pb2.SealEntryResponse:
        clerk = require_principal(*COURT_STAFF_ROLES)
        with self._pool.connection() as conn, conn.transaction():
            _, entry = seal_entry(
                conn,
                case_number=request.case_number,
                entry_number=request.entry_number,
                clerk=clerk,
                clock=self._clock,
            )
        return docket_pb2.SealEntryResponse(
            entry=entry_pb(entry, viewer=viewer_of(clerk), tz=self._tz)
        )

    def SetFeeStatus(
        self, request: docket_pb2.SetFeeStatusRequest, context: Context
    ) -> docket_pb2.SetFeeStatusResponse:
        # The clerk's office keeps the fee record; an administrator runs the platform, not cases.
        clerk = require_principal("clerk")
        fee_status = fee_status_of(request.fee_status)
        with self._pool.connection() as conn, conn.transaction():
            case = set_fee_status(
                conn,
                case_number=request.case_number,
                fee_status=fee_status,
                clerk=clerk,
                clock=self._clock,
            )
        case_pb = self._reader.case(case.case_number, viewer_of(clerk))
        return docket_pb2.SetFeeStatusResponse(case=case_pb)

    def _search(
        self, principal: Principal, query: str, mine: bool, page: common_pb2.PageRequest
    ) -> SearchPage:
        with self._pool.connection() as conn:
            return search_cases(
                conn,
                text=query,
                mine_account_id=principal.account_id if mine else None,
                page_token=page.page_token,
                page_size=page.page_size,
            )

    def _cases(self, found: SearchPage, principal: Principal) -> list[docket_pb2.Case]:
        viewer = viewer_of(principal)
        return [
            case_pb(case, found.counsel.get(case.case_id, []), viewer=viewer, tz=self._tz)
            for case in found.cases
        ]


def _page_info(found: SearchPage) -> common_pb2.PageInfo:
    return common_pb2.PageInfo(next_page_token=found.next_token, total_size=found.total)
