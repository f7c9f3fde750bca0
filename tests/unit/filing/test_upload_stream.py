"""A streamed filing: what the edge sends (``filing_stream``) is what filing reads back
(``read_filing_stream``), and a stream past a limit is refused where it crosses it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from court.v1 import filing_pb2

from services.common.document_stream import CHUNK_BYTES, chunks, filing_stream, join_chunks
from services.common.errors import CourtError
from services.filing.intake import IntakeLimits
from services.filing.upload_stream import read_filing_stream

LEAD = filing_pb2.DOCUMENT_ROLE_LEAD
ATTACHMENT = filing_pb2.DOCUMENT_ROLE_ATTACHMENT
MB = 2**20


def limits(*, file_mb: int = 30, total_mb: int = 60, attachments: int = 3) -> IntakeLimits:
    return IntakeLimits(
        max_file_bytes=file_mb * MB,
        max_total_bytes=total_mb * MB,
        max_attachments=attachments,
        review_types=frozenset(),
    )


def envelope() -> filing_pb2.SubmitFilingRequest:
    return filing_pb2.SubmitFilingRequest(
        metadata=filing_pb2.FilingMetadata(description="motion"), idempotency_key="k-1"
    )


def test_chunks_are_slices_of_at_most_the_chunk_size_and_free_the_buffer() -> None:
    content = bytearray(b"x" * (2 * CHUNK_BYTES + 5))
    sizes = [len(c) for c in chunks(content)]
    assert sizes == [CHUNK_BYTES, CHUNK_BYTES, 5]
    content.clear()  # no view of it is left: the edge frees each part once it is sent
    assert list(chunks(b"")) == []


def test_join_chunks_refuses_past_its_limit() -> None:
    assert join_chunks([b"ab", b"cd"], limit=4, too_large=lambda: CourtError("too_large", "x")) == (
        b"abcd"
    )
    with pytest.raises(CourtError) as refused:
        join_chunks([b"ab", b"cde"], limit=4, too_large=lambda: CourtError("too_large", "over"))
    assert (refused.value.code, refused.value.message) == ("too_large", "over")


def test_documents_come_back_whole_in_order_with_their_roles() -> None:
    lead = bytes(range(256)) * (CHUNK_BYTES // 128)  # 2 MiB: two chunks
    attachment = b"%PDF-1.7 attachment"
    stream = filing_stream(
        envelope(), [(LEAD, "brief.pdf", lead), (ATTACHMENT, "exhibit.pdf", attachment)]
    )
    messages = list(stream)
    # The envelope with the lead's start and first chunk; its second chunk with the
    # attachment's start; the attachment's content (no message over one chunk of content).
    assert [len(m.pieces) for m in messages] == [2, 2, 1]
    assert all(len(m.SerializeToString()) < CHUNK_BYTES + 256 for m in messages)
    first, uploads = read_filing_stream(iter(messages), limits())
    assert (first.idempotency_key, first.metadata.description) == ("k-1", "motion")
    assert [(u.role, u.filename, u.content) for u in uploads] == [
        ("lead", "brief.pdf", lead),
        ("attachment", "exhibit.pdf", attachment),
    ]


def test_a_small_filing_is_one_message() -> None:
    documents = [(LEAD, "a.pdf", b"%PDF-lead"), (ATTACHMENT, "b.pdf", b"%PDF-exhibit")]
    messages = list(filing_stream(envelope(), documents))
    assert len(messages) == 1 and len(messages[0].pieces) == 4
    _, uploads = read_filing_stream(iter(messages), limits())
    assert [u.content for u in uploads] == [b"%PDF-lead", b"%PDF-exhibit"]


def test_an_envelope_without_documents_reads_as_none() -> None:
    first, uploads = read_filing_stream(iter([envelope()]), limits())
    assert first.idempotency_key == "k-1" and uploads == ()


def counted(
    messages: Iterator[filing_pb2.SubmitFilingRequest], seen: list[int]
) -> Iterator[filing_pb2.SubmitFilingRequest]:
    for message in messages:
        seen.append(1)
        yield message


def refusal(stream: Iterator[filing_pb2.SubmitFilingRequest], at: IntakeLimits) -> CourtError:
    with pytest.raises(CourtError) as refused:
        read_filing_stream(stream, at)
    return refused.value


def test_a_document_over_its_limit_is_refused_where_it_crosses_it() -> None:
    seen: list[int] = []
    big = b"x" * (5 * CHUNK_BYTES)
    stream = counted(filing_stream(envelope(), [(LEAD, "huge.pdf", big)]), seen)
    error = refusal(stream, limits(file_mb=2))
    assert (error.code, error.message) == ("too_large", "huge.pdf is over 2 MB")
    assert len(seen) == 3  # the envelope with the first chunk, then the chunk that crossed
    assert next(stream, None) is not None  # the rest was left unread


def test_a_filing_over_its_total_is_refused() -> None:
    part = b"x" * (2 * CHUNK_BYTES)
    stream = filing_stream(envelope(), [(LEAD, "a.pdf", part), (ATTACHMENT, "b.pdf", part)])
    error = refusal(stream, limits(file_mb=2, total_mb=3))
    assert (error.code, error.message) == ("too_large", "the filing is over 3 MB")


def test_one_attachment_too_many_is_refused_before_its_content() -> None:
    documents = [(LEAD, "lead.pdf", b"%PDF")] + [
        (ATTACHMENT, f"{i}.pdf", b"%PDF") for i in range(3)
    ]
    refusal_at_three = refusal(filing_stream(envelope(), documents), limits(attachments=2))
    assert (refusal_at_three.code, refusal_at_three.message) == (
        "validation_failed",
        "at most 2 attachments",
    )


def test_content_before_a_documents_start_and_an_empty_stream_are_refused() -> None:
    stray = filing_pb2.SubmitFilingRequest(pieces=[filing_pb2.DocumentPiece(chunk=b"%PDF")])
    error = refusal(iter([envelope(), stray]), limits())
    assert error.code == "validation_failed" and "before its start" in error.message
    assert refusal(iter([]), limits()).code == "validation_failed"
