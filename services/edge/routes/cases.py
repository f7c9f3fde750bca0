"""Cases: search, case details, the docket sheet, and the clerk's sealing of an entry."""

from __future__ import annotations

from typing import Annotated

from court.v1 import common_pb2, docket_pb2
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.common.enums import (
    case_type_name,
    fee_status_names,
    filing_type_name,
    name_of,
    party_role_name,
)
from services.edge.session import caller_metadata
from services.edge.views import court_time_view

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
clerk_router = APIRouter(prefix="/api/v1/clerk/cases", tags=["clerk"])

CaseNumber = Annotated[str, Path(max_length=32, description="a case number like 26-1234")]
EntryNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]
PageSize = Annotated[int, Query(ge=0, le=200, description="0: the server's default")]
PageToken = Annotated[str, Query(max_length=200, description="next_page_token of a page")]


def case_view(case: docket_pb2.Case) -> dict[str, object]:
    origin: dict[str, str] = {}
    if case.origin.agency:
        origin["agency"] = case.origin.agency
    if case.origin.alien_number:  # only ever set for court staff and counsel of record
        origin["alien_number"] = case.origin.alien_number
    return {
        "case_number": case.case_number,
        "title": case.title,
        "case_type": case_type_name(case.case_type),
        "status": name_of(docket_pb2.CaseStatus, "CASE_STATUS_", case.status),
        "opened_at": court_time_view(case.opened_at),
        "parties": [{"name": p.name, "role": party_role_name(p.role)} for p in case.parties],
        "counsel": [
            {
                "account_id": c.account_id,
                "name": c.name,
                "firm": c.firm or None,
                "party_name": c.party_name,
                # The Notice box of their appearance (unset in older records: yes).
                "receive_notices": c.receive_notices if c.HasField("receive_notices") else True,
            }
            for c in case.counsel
        ],
        "last_entry_number": case.last_entry_number,
        "origin": origin or None,
        # null until the clerk records it (or an ACMS import brought it)
        "fee_status": name_of(docket_pb2.FeeStatus, "FEE_STATUS_", case.fee_status)
        if case.fee_status
        else None,
        "case_subtype": case.case_subtype or None,
        "imported": case.imported,
    }


def entry_view(entry: docket_pb2.DocketEntry) -> dict[str, object]:
    return {
        "number": entry.number,
        "filed_at": court_time_view(entry.filed_at),
        "entered_at": court_time_view(entry.entered_at),
        "text": entry.text,
        "sealed": entry.sealed,
        "filer_name": entry.filer_name or None,
        "filing_type": (filing_type_name(entry.filing_type) if entry.filing_type else "court"),
        # An entry imported from ACMS: its documents stay there; these are ACMS's counts.
        "acms_documents": (
            {"count": entry.acms.document_count, "pages": entry.acms.page_count}
            if entry.HasField("acms")
            else None
        ),
        "documents": [
            {
                "document_id": d.document_id,
                "filename": d.filename or None,
                "pages": d.pages,
                "may_open": d.may_open,
                "denied_reason": d.denied_reason or None,
                "fee_cents": d.fee_cents,
            }
            for d in entry.documents
        ],
    }


def _page(page: common_pb2.PageInfo) -> dict[str, object]:
    return {"next_page_token": page.next_page_token or None, "total_size": page.total_size}


@router.get("")
def search_cases(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="case number, title or party")] = "",
    mine: Annotated[bool, Query(description="only cases I am counsel of record in")] = False,
    page_size: PageSize = 0,
    page_token: PageToken = "",
) -> dict[str, object]:
    """Case search by number (exact or prefix), title words or party names; newest first."""
    reply = request.app.state.clients.docket.SearchCases(
        docket_pb2.SearchCasesRequest(
            query=q,
            mine=mine,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        ),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return {"cases": [case_view(c) for c in reply.cases], **_page(reply.page)}


@router.get("/{case_number}")
def get_case(case_number: CaseNumber, request: Request) -> dict[str, object]:
    """Case details: title, type, status, opened, parties, counsel of record."""
    reply = request.app.state.clients.docket.GetCase(
        docket_pb2.GetCaseRequest(case_number=case_number),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return case_view(reply.case)


@router.get("/{case_number}/docket")
def get_docket_sheet(
    case_number: CaseNumber,
    request: Request,
    page_size: PageSize = 0,
    page_token: PageToken = "",
) -> dict[str, object]:
    """The docket sheet in entry order, with whether the caller may open each document."""
    reply = request.app.state.clients.docket.GetDocketSheet(
        docket_pb2.GetDocketSheetRequest(
            case_number=case_number,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        ),
        metadata=caller_metadata(request),
        timeout=15,
    )
    return {
        "case": case_view(reply.case),
        "entries": [entry_view(e) for e in reply.entries],
        **_page(reply.page),
    }


class FeeStatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fee_status: str = Field(
        max_length=40, description="`paid`, `ifp_pending`, `ifp_granted` or `waived`"
    )


@clerk_router.put("/{case_number}/fee-status")
def set_fee_status(
    case_number: CaseNumber, body: FeeStatusBody, request: Request
) -> dict[str, object]:
    """The clerk records the case's filing-fee status (clerks only; every change audited)."""
    # An unknown name travels as the zero value: docket refuses it with `invalid_fee_status`.
    number = fee_status_names().get(body.fee_status.strip().lower(), 0)
    reply = request.app.state.clients.docket.SetFeeStatus(
        docket_pb2.SetFeeStatusRequest(case_number=case_number, fee_status=number),  # type: ignore[arg-type]
        metadata=caller_metadata(request),
        timeout=10,
    )
    return case_view(reply.case)


@clerk_router.post("/{case_number}/entries/{number}/seal")
def seal_entry(case_number: CaseNumber, number: EntryNumber, request: Request) -> dict[str, object]:
    """Court staff: seal a docket entry; its text and documents become court-staff only."""
    reply = request.app.state.clients.docket.SealEntry(
        docket_pb2.SealEntryRequest(case_number=case_number, entry_number=number),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return entry_view(reply.entry)
