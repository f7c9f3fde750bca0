"""Reading a streamed filing (SubmitFiling, CheckFiling, SubmitPaperFiling): the envelope, then
the documents piece by piece, held to the court's limits as they arrive.

A document over its size, a filing over its total or one attachment too many is refused the
moment the stream crosses the limit, so a caller cannot make this process hold more than one
filing's worth of bytes (the wire format: services/common/document_stream.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TypeVar

from court.v1 import filing_pb2

from services.common.errors import CourtError
from services.filing import rules
from services.filing.intake import IntakeLimits
from services.filing.models import Upload

Envelope = TypeVar("Envelope")


def _invalid(message: str) -> CourtError:
    return CourtError("validation_failed", message, details={"field": "documents"})


def _upload(start: filing_pb2.UploadedDocument, parts: list[bytes]) -> Upload:
    role = "lead" if start.role == filing_pb2.DOCUMENT_ROLE_LEAD else "attachment"
    return Upload(role=role, filename=start.filename, content=b"".join(parts))


def _documents(
    pieces: Iterator[filing_pb2.DocumentPiece], limits: IntakeLimits
) -> Iterator[Upload]:
    """Each document: its start piece and the chunks after it, joined once."""
    start: filing_pb2.UploadedDocument | None = None
    parts: list[bytes] = []
    count = size = total = 0
    for piece in pieces:
        if piece.WhichOneof("piece") == "start":
            if start is not None:
                yield _upload(start, parts)
            count += 1
            if count > limits.max_attachments + 1:
                raise rules.too_many_attachments(limits.max_attachments)
            start, parts, size = piece.start, [], 0
            continue
        if start is None:
            raise _invalid("a document's content came before its start (role and filename)")
        size += len(piece.chunk)
        total += len(piece.chunk)
        if size > limits.max_file_bytes:
            raise CourtError(
                "too_large", rules.document_too_large(start.filename, limits.max_file_bytes)
            )
        if total > limits.max_total_bytes:
            raise CourtError("too_large", rules.filing_too_large(limits.max_total_bytes))
        parts.append(piece.chunk)
    if start is not None:
        yield _upload(start, parts)


def read_filing_stream(
    requests: Iterator[Envelope], limits: IntakeLimits
) -> tuple[Envelope, tuple[Upload, ...]]:
    """The first message (metadata and the like) and the documents of the stream."""
    first = next(requests, None)
    if first is None:
        raise _invalid("the request is empty: send the filing's metadata, then its documents")
    messages = itertools.chain([first], requests)
    pieces = (piece for m in messages for piece in m.pieces)  # type: ignore[attr-defined]
    return first, tuple(_documents(pieces, limits))
