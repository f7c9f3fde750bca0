"""Storing validated PDFs in the access service's vault, as the filing service."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
from court.v1 import access_pb2, access_pb2_grpc

from services.common.document_stream import chunks
from services.common.errors import CourtError


def store_requests(
    *,
    filing_id: str,
    filename: str,
    content: bytes,
    sha256: str,
    pages: int,
    case_number: str = "",
) -> Iterator[access_pb2.StoreDocumentRequest]:
    """A StoreDocument stream: the document's facts with its first chunk, then the other
    chunks (a document of up to 1 MiB is one message)."""
    facts = access_pb2.StoreDocumentRequest(
        filing_id=filing_id, filename=filename, sha256=sha256, pages=pages
    )
    if case_number:
        facts.case_number = case_number
    parts = chunks(content)
    facts.chunk = next(parts, b"")
    yield facts
    for chunk in parts:
        yield access_pb2.StoreDocumentRequest(chunk=chunk)


class Vault:
    def __init__(self, channel: grpc.Channel) -> None:
        self._stub = access_pb2_grpc.AccessServiceStub(channel)

    def store(
        self,
        *,
        filing_id: str,
        filename: str,
        content: bytes,
        sha256: str,
        pages: int,
        case_number: str,
    ) -> str:
        requests = store_requests(
            filing_id=filing_id,
            filename=filename,
            content=content,
            sha256=sha256,
            pages=pages,
            case_number=case_number,
        )
        try:
            reply = self._stub.StoreDocument(requests, timeout=60)
        except grpc.RpcError as exc:
            raise CourtError(
                "unavailable", "the document store is not reachable; nothing was filed — try again"
            ) from exc
        return str(reply.document_id)

    def discard(self, filing_id: str) -> int:
        """Have access remove the documents stored for ``filing_id`` (an abandoned attempt)."""
        reply = self._stub.DiscardDocuments(
            access_pb2.DiscardDocumentsRequest(filing_id=filing_id), timeout=30
        )
        return int(reply.discarded)
