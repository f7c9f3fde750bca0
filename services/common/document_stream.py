"""Documents over gRPC in chunks, so that no message holds a whole document.

FilingService's SubmitFiling, CheckFiling and SubmitPaperFiling and AccessService's
StoreDocument are client streams: the envelope first, then each document's content in chunks
of at most ``CHUNK_BYTES``. The caller sends slices of the one copy it holds; the receiver
joins the chunks once, and refuses the stream as soon as it crosses its limit (the rest is
never read into memory). Memory per filing in flight: ``bench/filing_memory.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

from court.v1 import filing_pb2
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer

from services.common.errors import CourtError

CHUNK_BYTES = 1024 * 1024
# The largest document any service takes; the court's filing limits (settings) stay below it.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def chunks(content: bytes | bytearray, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """``content`` in slices of at most ``size`` bytes (none for empty content). The view is
    released when the last slice is taken, so a bytearray may be cleared right after."""
    with memoryview(content) as view:
        for start in range(0, len(view), size):
            yield bytes(view[start : start + size])


def join_chunks(
    parts: Iterable[bytes], *, limit: int, too_large: Callable[[], CourtError]
) -> bytes:
    """The chunks as one ``bytes``, refused with ``too_large()`` as soon as they pass
    ``limit`` bytes."""
    kept: list[bytes] = []
    size = 0
    for part in parts:
        size += len(part)
        if size > limit:
            raise too_large()
        kept.append(part)
    return b"".join(kept)


class _FilingStreamMessage(Protocol):
    """SubmitFilingRequest, CheckFilingRequest and SubmitPaperFilingRequest: each has ``pieces``."""

    @property
    def pieces(self) -> RepeatedCompositeFieldContainer[filing_pb2.DocumentPiece]: ...


Message = TypeVar("Message", bound=_FilingStreamMessage)


def filing_stream(
    envelope: Message,
    documents: Iterable[tuple[filing_pb2.DocumentRole.ValueType, str, bytes | bytearray]],
) -> Iterator[Message]:
    """A FilingService request stream: ``envelope`` (metadata and the like) with the first
    pieces, then messages of its type holding at most ``CHUNK_BYTES`` of content each: each
    ``(role, filename, content)`` as its start piece and its chunks, so a small filing is one
    message. ``documents`` may be a generator that frees each content once it is sent."""
    message, size = envelope, 0
    for role, filename, content in documents:
        message.pieces.add(start=filing_pb2.UploadedDocument(role=role, filename=filename))
        for chunk in chunks(content):
            if size and size + len(chunk) > CHUNK_BYTES:
                yield message
                message, size = type(envelope)(), 0
            message.pieces.add(chunk=chunk)
            size += len(chunk)
    yield message
