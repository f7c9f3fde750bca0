"""Per-service identities over real gRPC: the edge's own key cannot act as filing or notify,
a token is good for one method only, and a replayed token is refused."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator

import grpc
import pytest
from access_kit import AccessKit, pdf_bytes
from court.v1 import access_pb2
from google.protobuf.message import Message
from support.grpc_errors import reason_of

from services.common.identity import SERVICE_IDENTITY, signer_for
from services.filing.vault import store_requests
from services.stack.supervisor import LocalStack

STORE = "/court.v1.AccessService/StoreDocument"
ISSUE = "/court.v1.AccessService/IssueFreeLook"
Metadata = list[tuple[str, str]]


def store_request() -> list[access_pb2.StoreDocumentRequest]:
    """A StoreDocument stream: the document's facts first (``[0].sha256``), then its chunks."""
    content = pdf_bytes()
    return list(
        store_requests(
            filename="a.pdf",
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            pages=1,
            filing_id=str(uuid.uuid4()),
        )
    )


def refused(
    method: Callable[..., object], request: Message | Iterator[Message], metadata: Metadata
) -> str | None:
    """The reason the call is refused (it must be refused as PERMISSION_DENIED)."""
    with pytest.raises(grpc.RpcError) as error:
        method(request, metadata=metadata, timeout=10)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    return reason_of(error.value)


def test_the_edges_key_cannot_store_documents_or_issue_free_looks(kit: AccessKit) -> None:
    edge = signer_for(kit.settings.keys_dir, "edge")
    document = kit.store()
    # The edge's signature under its own name, and under the name of the service it is not.
    for claimed in ("edge", "filing"):
        token = edge.token(STORE).replace("edge", claimed, 1)
        request = store_request()
        assert (
            refused(kit.stub.StoreDocument, iter(request), [(SERVICE_IDENTITY, token)])
            == "forbidden"
        )
        count = kit.sql("SELECT count(*) FROM access.contents WHERE sha256 = %s", request[0].sha256)
        assert count == [(0,)]
    for claimed in ("edge", "notify"):
        token = edge.token(ISSUE).replace("edge", claimed, 1)
        issue = access_pb2.IssueFreeLookRequest(
            document_id=document.document_id, recipient_email="a@example.org"
        )
        assert refused(kit.stub.IssueFreeLook, issue, [(SERVICE_IDENTITY, token)]) == "forbidden"


def test_a_replayed_token_is_refused(kit: AccessKit) -> None:
    metadata = kit.service("filing", "StoreDocument")
    first = store_request()
    assert kit.stub.StoreDocument(iter(first), metadata=metadata, timeout=30).document_id
    again = store_request()
    assert refused(kit.stub.StoreDocument, iter(again), metadata) == "forbidden"
    stored = kit.sql("SELECT count(*) FROM access.contents WHERE sha256 = %s", again[0].sha256)
    assert stored == [(0,)]


def test_a_token_for_one_method_does_not_open_another(kit: AccessKit) -> None:
    document = kit.store()
    notify = signer_for(kit.settings.keys_dir, "notify")
    issue = access_pb2.IssueFreeLookRequest(
        document_id=document.document_id, recipient_email="a@example.org"
    )
    wrong = [(SERVICE_IDENTITY, notify.token("/court.v1.AccessService/GetDocument"))]
    assert refused(kit.stub.IssueFreeLook, issue, wrong) == "forbidden"
    right = [(SERVICE_IDENTITY, notify.token(ISSUE))]
    assert kit.stub.IssueFreeLook(issue, metadata=right, timeout=10).token


def test_the_fork_server_is_never_handed_a_private_key(stack: LocalStack) -> None:
    """Forked children read their own key from the folder (child_env): a key sent through the
    fork server would stay in its memory for every later child. Each still signs as itself
    (the tests above). A stack whose children start on their own hands each only its own key
    (tests/artifact/test_wheel.py)."""
    assert stack.fork_server is not None
    for name in stack.children:
        assert not stack.child_env(name)["OPENECF_SERVICE_PRIVATE_KEY"], name
