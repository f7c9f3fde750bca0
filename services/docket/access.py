"""Asking the access service, in one batch per docket page, which documents the reader may
open. Access is not required to read a docket: when it cannot answer (down, overloaded, or
not deployed yet: UNIMPLEMENTED) every document says ``unavailable`` instead of failing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import grpc
from court.v1 import access_pb2, access_pb2_grpc

from services.common.grpc_client import metadata_for
from services.docket import metrics

log = logging.getLogger(__name__)
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    fee_cents: int = 0


UNKNOWN = Decision(allowed=False, reason=UNAVAILABLE)


class AccessChecker(Protocol):
    def check(self, document_ids: list[str], session_token: str | None) -> dict[str, Decision]: ...


class RemoteAccessChecker:
    def __init__(self, channel: grpc.Channel, *, timeout_seconds: float = 3.0) -> None:
        self._stub = access_pb2_grpc.AccessServiceStub(channel)
        self._timeout = timeout_seconds

    def check(self, document_ids: list[str], session_token: str | None) -> dict[str, Decision]:
        if not document_ids:
            return {}
        try:
            reply = self._stub.CheckAccess(
                access_pb2.CheckAccessRequest(document_ids=document_ids),
                # The reader's own session: access decides for them, not for docket.
                metadata=tuple(metadata_for(session_token)),
                timeout=self._timeout,
            )
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
            metrics.ACCESS_CHECK_FAILURES.labels(name).inc()
            log.warning("access check failed; documents marked unavailable", extra={"code": name})
            return dict.fromkeys(document_ids, UNKNOWN)
        decisions = {
            d.document_id: Decision(allowed=d.allowed, reason=d.reason, fee_cents=d.fee_cents)
            for d in reply.decisions
        }
        return {doc: decisions.get(doc, UNKNOWN) for doc in document_ids}
