"""Filings streamed over real gRPC, as the edge sends them: the filing service reads a
document piece by piece and refuses a stream where it crosses the court's limit, so the rest
is never sent; access does the same for the documents filing stores."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

import grpc
import pytest
from court.v1 import access_pb2, access_pb2_grpc, common_pb2, filing_pb2, filing_pb2_grpc
from support.api import Api, efiler
from support.grpc_errors import reason_of
from support.pdf_corpus import text_1_page

from services.common.document_stream import CHUNK_BYTES, MAX_DOCUMENT_BYTES, filing_stream
from services.common.grpc_client import metadata_for, open_channel
from services.common.identity import signer_for
from services.filing.vault import store_requests
from services.stack.supervisor import LocalStack

# 1,000 MiB, far past every limit, produced only as gRPC asks for them. gRPC's flow control lets
# the client run ahead of a reader that has refused (up to 262 chunks past filing's 30 MB in a CI
# run on a slow hour), so "not all sent" is measured against a stream far longer than that.
SENT_CHUNKS = 1000


def endless(sent: list[int]) -> Iterator[bytes]:
    for _ in range(SENT_CHUNKS):
        sent.append(1)
        yield b"\0" * CHUNK_BYTES


@pytest.fixture(scope="module")
def attorney(edge_url: str, clerk: Api) -> Api:
    return efiler(edge_url, clerk)


def petition_envelope() -> filing_pb2.SubmitFilingRequest:
    return filing_pb2.SubmitFilingRequest(
        metadata=filing_pb2.FilingMetadata(
            filing_type=common_pb2.FILING_TYPE_PETITION_FOR_REVIEW,
            title="Stream v. Limit",
            case_type=common_pb2.CASE_TYPE_AGENCY,
            parties=[
                common_pb2.Party(name="A. Petitioner", role=common_pb2.PARTY_ROLE_PETITIONER),
                common_pb2.Party(name="Federal Agency", role=common_pb2.PARTY_ROLE_RESPONDENT),
            ],
            description="Petition for review of an agency order",
        ),
        idempotency_key=str(uuid.uuid4()),
    )


def test_a_streamed_filing_is_filed_and_its_document_kept_whole(
    stack: LocalStack, attorney: Api
) -> None:
    lead = text_1_page()
    channel = open_channel(stack.settings.grpc_addr("filing"), signer=None)
    try:
        reply = filing_pb2_grpc.FilingServiceStub(channel).SubmitFiling(
            filing_stream(petition_envelope(), [(filing_pb2.DOCUMENT_ROLE_LEAD, "p.pdf", lead)]),
            metadata=metadata_for(attorney.token),
            timeout=60,
        )
    finally:
        channel.close()
    assert reply.filing.status == filing_pb2.FILING_STATUS_RECEIVED
    assert [d.sha256 for d in reply.filing.documents] == [hashlib.sha256(lead).hexdigest()]


def test_a_document_past_the_limit_is_refused_before_the_stream_is_all_sent(
    stack: LocalStack, attorney: Api
) -> None:
    sent: list[int] = []
    envelope = petition_envelope()
    start = filing_pb2.UploadedDocument(role=filing_pb2.DOCUMENT_ROLE_LEAD, filename="huge.pdf")

    def requests() -> Iterator[filing_pb2.SubmitFilingRequest]:
        yield envelope
        yield filing_pb2.SubmitFilingRequest(pieces=[filing_pb2.DocumentPiece(start=start)])
        for chunk in endless(sent):
            yield filing_pb2.SubmitFilingRequest(pieces=[filing_pb2.DocumentPiece(chunk=chunk)])

    channel = open_channel(stack.settings.grpc_addr("filing"), signer=None)
    try:
        with pytest.raises(grpc.RpcError) as refused:
            filing_pb2_grpc.FilingServiceStub(channel).SubmitFiling(
                requests(), metadata=metadata_for(attorney.token), timeout=60
            )
    finally:
        channel.close()
    limit_mb = stack.settings.filing_max_file_mb
    assert reason_of(refused.value) == "too_large"
    assert refused.value.details() == f"huge.pdf is over {limit_mb} MB"
    # The client runs ahead of the reader (SENT_CHUNKS), not to the end: a reader that took it
    # all would have had every chunk.
    assert limit_mb < len(sent) < SENT_CHUNKS // 2


def test_access_refuses_a_stored_document_past_its_limit_before_it_is_all_sent(
    stack: LocalStack,
) -> None:
    sent: list[int] = []
    facts = next(
        store_requests(
            filing_id=str(uuid.uuid4()), filename="huge.pdf", content=b"", sha256="0" * 64, pages=1
        )
    )

    def requests() -> Iterator[access_pb2.StoreDocumentRequest]:
        yield facts
        for chunk in endless(sent):
            yield access_pb2.StoreDocumentRequest(chunk=chunk)

    channel = open_channel(
        stack.settings.grpc_addr("access"), signer=signer_for(stack.settings.keys_dir, "filing")
    )
    try:
        with pytest.raises(grpc.RpcError) as refused:
            access_pb2_grpc.AccessServiceStub(channel).StoreDocument(requests(), timeout=60)
    finally:
        channel.close()
    limit_mb = MAX_DOCUMENT_BYTES // 2**20
    assert reason_of(refused.value) == "too_large"
    assert limit_mb < len(sent) < SENT_CHUNKS // 2
