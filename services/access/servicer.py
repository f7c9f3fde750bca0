"""AccessService over gRPC: translate messages, check who is asking, call the domain."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import grpc
from court.v1 import access_pb2, access_pb2_grpc
from psycopg_pool import ConnectionPool

from services.access import billing
from services.access.documents import CONTENT_TYPE, Documents, ServedDocument
from services.access.fees import parse_quarter
from services.access.free_looks import FreeLooks, Issued, LinkRequest
from services.access.vault import NewDocument, Vault
from services.common.clock import Clock
from services.common.document_stream import MAX_DOCUMENT_BYTES, join_chunks
from services.common.errors import CourtError
from services.common.identity import current_caller
from services.common.principal import Principal, current_principal, require_principal

Context = grpc.ServicerContext


def require_service(name: str) -> None:
    """Only the named service (its verified identity, not a person's session) may call."""
    if current_caller().service != name:
        raise CourtError("forbidden", f"only the {name} service may do this")


def principal_or_anonymous() -> Principal | None:
    """The caller, or None when no session (or a dead one) came with the call: the policy
    answers ``unauthenticated`` for it, audited like every other refusal."""
    try:
        return current_principal()
    except CourtError as exc:
        if exc.code == "unauthenticated":
            return None
        raise


def link_request(item: access_pb2.IssueFreeLookRequest) -> LinkRequest:
    return LinkRequest(
        document_id=item.document_id,
        recipient_email=item.recipient_email,
        case_number=item.case_number,
        entry_number=item.entry_number,
        trace_id=item.trace_id,
    )


def link_message(issued: Issued) -> access_pb2.IssueFreeLookResponse:
    response = access_pb2.IssueFreeLookResponse(token=issued.token)
    response.expires_at.FromDatetime(issued.expires_at)
    return response


def issued_message(outcome: Issued | CourtError) -> access_pb2.IssuedFreeLook:
    if isinstance(outcome, CourtError):
        refused = access_pb2.FreeLookRefusal(code=outcome.code, message=outcome.message)
        return access_pb2.IssuedFreeLook(refusal=refused)
    return access_pb2.IssuedFreeLook(link=link_message(outcome))


def metadata(served: ServedDocument) -> access_pb2.DocumentMetadata:
    facts = served.facts
    return access_pb2.DocumentMetadata(
        document_id=facts.document_id,
        filename=facts.filename,
        pages=facts.pages,
        size_bytes=facts.size_bytes,
        fee_cents=served.fee_cents,
        sha256=facts.sha256,
        content_type=CONTENT_TYPE,
    )


class AccessServicer(access_pb2_grpc.AccessServiceServicer):
    def __init__(
        self,
        *,
        pool: ConnectionPool,
        vault: Vault,
        documents: Documents,
        free_looks: FreeLooks,
        clock: Clock,
        tz: ZoneInfo,
    ) -> None:
        self._pool = pool
        self._vault = vault
        self._documents = documents
        self._free_looks = free_looks
        self._clock = clock
        self._tz = tz

    def StoreDocument(
        self, requests: Iterator[access_pb2.StoreDocumentRequest], context: Context
    ) -> access_pb2.StoreDocumentResponse:
        require_service("filing")  # before a byte of the content is read
        facts = next(requests, None)
        if facts is None:
            raise CourtError("validation_failed", "send the document's facts, then its content")
        content = join_chunks(
            (message.chunk for message in itertools.chain([facts], requests)),
            limit=MAX_DOCUMENT_BYTES,
            too_large=lambda: CourtError(
                "too_large", f"a document is at most {MAX_DOCUMENT_BYTES // 2**20} MB"
            ),
        )
        document_id = self._vault.store(
            NewDocument(
                filename=facts.filename,
                content=content,
                sha256=facts.sha256,
                pages=facts.pages,
                case_number=facts.case_number,
                filing_id=facts.filing_id,
            )
        )
        return access_pb2.StoreDocumentResponse(document_id=document_id)

    def DiscardDocuments(
        self, request: access_pb2.DiscardDocumentsRequest, context: Context
    ) -> access_pb2.DiscardDocumentsResponse:
        require_service("filing")
        if not request.filing_id.strip():
            raise CourtError(
                "validation_failed", "filing_id is required", details={"field": "filing_id"}
            )
        return access_pb2.DiscardDocumentsResponse(discarded=self._vault.discard(request.filing_id))

    def CheckAccess(
        self, request: access_pb2.CheckAccessRequest, context: Context
    ) -> access_pb2.CheckAccessResponse:
        document_ids = list(request.document_ids)
        decisions = self._documents.check(principal_or_anonymous(), document_ids)
        return access_pb2.CheckAccessResponse(
            decisions=[
                access_pb2.AccessDecision(
                    document_id=document_id,
                    allowed=decision.allowed,
                    reason="" if decision.allowed else decision.reason,
                    fee_cents=decision.fee_cents,
                )
                for document_id, decision in zip(document_ids, decisions, strict=True)
            ]
        )

    def GetDocument(
        self, request: access_pb2.GetDocumentRequest, context: Context
    ) -> Iterator[access_pb2.GetDocumentResponse]:
        served = self._documents.serve(principal_or_anonymous(), request.document_id)
        yield access_pb2.GetDocumentResponse(metadata=metadata(served))
        for chunk in served.chunks:
            yield access_pb2.GetDocumentResponse(chunk=chunk)

    def IssueFreeLook(
        self, request: access_pb2.IssueFreeLookRequest, context: Context
    ) -> access_pb2.IssueFreeLookResponse:
        require_service("notify")
        return link_message(self._free_looks.issue(link_request(request)))

    def IssueFreeLooks(
        self, request: access_pb2.IssueFreeLooksRequest, context: Context
    ) -> access_pb2.IssueFreeLooksResponse:
        require_service("notify")
        outcomes = self._free_looks.issue_many([link_request(item) for item in request.items])
        return access_pb2.IssueFreeLooksResponse(results=[issued_message(o) for o in outcomes])

    def GetFreeLook(
        self, request: access_pb2.GetFreeLookRequest, context: Context
    ) -> access_pb2.GetFreeLookResponse:
        found = self._free_looks.confirm(request.token)
        response = access_pb2.GetFreeLookResponse(
            document_id=found.facts.document_id,
            filename=found.facts.filename,
            pages=found.facts.pages,
            case_number=found.case_number,
            entry_number=found.entry_number,
            recipient_email=found.look.recipient_email,
        )
        response.expires_at.FromDatetime(found.look.expires_at)
        return response

    def RedeemFreeLook(
        self, request: access_pb2.RedeemFreeLookRequest, context: Context
    ) -> Iterator[access_pb2.RedeemFreeLookResponse]:
        served = self._free_looks.redeem(request.token)
        yield access_pb2.RedeemFreeLookResponse(metadata=metadata(served))
        for chunk in served.chunks:
            yield access_pb2.RedeemFreeLookResponse(chunk=chunk)

    def GetBillingStatement(
        self, request: access_pb2.GetBillingStatementRequest, context: Context
    ) -> access_pb2.GetBillingStatementResponse:
        principal = require_principal()
        quarter = parse_quarter(request.quarter, now=self._clock.now(), tz=self._tz)
        found = billing.statement(self._pool, account_id=principal.account_id, quarter=quarter)
        response = access_pb2.GetBillingStatementResponse(
            quarter=found.quarter,
            quarter_total_cents=found.total_cents,
            waived=found.waived,
        )
        for charge in found.charges:
            row = response.charges.add(
                charge_id=charge.charge_id,
                document_id=charge.document_id,
                case_number=charge.case_number,
                pages=charge.pages,
                fee_cents=charge.fee_cents,
            )
            row.charged_at.FromDatetime(charge.charged_at)
        return response
