"""Court staff: e-filer approvals (the review queue and sealing arrive with their services)."""

from __future__ import annotations

from court.v1 import auth_pb2
from fastapi import APIRouter, Request

from services.edge.session import caller_metadata
from services.edge.views import account_view

router = APIRouter(prefix="/api/v1/clerk", tags=["clerk"])


@router.get("/efilers")
def efiler_applications(request: Request) -> dict[str, object]:
    reply = request.app.state.clients.auth.ListEfilerApplications(
        auth_pb2.ListEfilerApplicationsRequest(), metadata=caller_metadata(request), timeout=10
    )
    return {"applications": [account_view(a) for a in reply.accounts]}


@router.post("/efilers/{account_id}/approve")
def approve_efiler(account_id: str, request: Request) -> dict[str, object]:
    reply = request.app.state.clients.auth.ApproveEfiler(
        auth_pb2.ApproveEfilerRequest(account_id=account_id[:64]),
        metadata=caller_metadata(request),
        timeout=10,
    )
    return account_view(reply.account)
