"""The vault on the real stack: who may store, content addressing, integrity on every read,
and a large document streamed from PostgreSQL through the edge without loss."""

from __future__ import annotations

import hashlib
import os
import time

import grpc
import httpx
import pytest
from access_kit import AccessKit, forged_identity, pdf_bytes
from support.api import Api, register
from support.grpc_errors import reason_of

from services.access.vault import ContentCorrupted, Vault
from services.common.db import connect_pool
from services.filing.vault import store_requests


@pytest.mark.parametrize(
    "identity", ["none", "edge", "notify", "forged", "expired", "a clerk's session"]
)
def test_only_the_filing_service_stores_documents(
    kit: AccessKit, clerk: Api, identity: str
) -> None:
    metadata = {
        "none": [],
        "edge": kit.service("edge", "StoreDocument"),
        "notify": kit.service("notify", "StoreDocument"),
        "forged": forged_identity("filing", "StoreDocument"),
        "expired": kit.service("filing", "StoreDocument", now=time.time() - 3600),
        "a clerk's session": [("authorization", f"Bearer {clerk.token}")],
    }[identity]
    content = pdf_bytes()
    digest = hashlib.sha256(content).hexdigest()
    with pytest.raises(grpc.RpcError) as refused:
        kit.stub.StoreDocument(
            store_requests(filing_id="", filename="a.pdf", content=content, sha256=digest, pages=1),
            metadata=metadata,
            timeout=10,
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(refused.value) == "forbidden"
    assert kit.sql("SELECT count(*) FROM access.contents WHERE sha256 = %s", digest) == [(0,)]


def test_the_sha256_filing_sends_is_checked(kit: AccessKit) -> None:
    content = pdf_bytes()
    for digest in (hashlib.sha256(b"other").hexdigest(), "not hex", ""):
        with pytest.raises(grpc.RpcError) as refused:
            kit.stub.StoreDocument(
                store_requests(
                    filing_id="", filename="a.pdf", content=content, sha256=digest, pages=1
                ),
                metadata=kit.service("filing", "StoreDocument"),
                timeout=10,
            )
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert reason_of(refused.value) == "validation_failed"


def test_the_same_content_is_kept_once_but_each_store_is_its_own_document(
    kit: AccessKit, clerk: Api
) -> None:
    content = pdf_bytes()
    first = kit.store(content, filename="petition.pdf")
    second = kit.store(content, filename="copy of petition.pdf", pages=3)
    assert first.document_id != second.document_id
    digest = first.sha256
    assert kit.sql("SELECT count(*) FROM access.contents WHERE sha256 = %s", digest) == [(1,)]
    assert kit.sql("SELECT count(*) FROM access.content_chunks WHERE sha256 = %s", digest) == [(1,)]
    assert kit.sql(
        "SELECT filename, pages FROM access.documents WHERE sha256 = %s ORDER BY stored_at",
        digest,
    ) == [("petition.pdf", 1), ("copy of petition.pdf", 3)]
    copy = clerk.get(f"/api/v1/documents/{second.document_id}")
    assert copy.content == content
    assert copy.headers["x-document-pages"] == "3"
    assert "filename*=UTF-8''copy%20of%20petition.pdf" in copy.headers["content-disposition"]


def test_a_corrupted_document_is_detected_never_served_and_audited(
    edge_url: str, kit: AccessKit, clerk: Api
) -> None:
    public, _ = register(edge_url, "public")
    case_number, document = kit.docketed_case("civil", pages=2)
    token = kit.issue_free_look(document, "reader@example.org", case_number=case_number)
    assert clerk.get(f"/api/v1/documents/{document.document_id}").status_code == 200
    failures = kit.metric("openecf_access_integrity_failures_total")
    flip = (
        "UPDATE access.content_chunks"
        " SET data = set_byte(data, 40, (get_byte(data, 40) + 1) %% 256)"
        " WHERE sha256 = %s AND seq = 0"
    )
    kit.sql(flip, document.sha256)

    for api in (clerk, public):
        # httpx directly: this is the one answer that is a 500 (the court's fault, alerted).
        response = httpx.get(
            f"{edge_url}/api/v1/documents/{document.document_id}",
            headers={"Authorization": f"Bearer {api.token}"},
            timeout=30,
        )
        assert (response.status_code, response.json()["code"]) == (500, "internal")
        assert b"%PDF" not in response.content
    redeem = httpx.post(f"{edge_url}/api/v1/free-looks/{token}", timeout=30)
    assert (redeem.status_code, redeem.json()["code"]) == (500, "internal")

    assert kit.metric("openecf_access_integrity_failures_total") == failures + 3
    audit = kit.audit(document.document_id)
    assert ("serve", clerk.account["account_id"], None, "failed", "integrity", 0) in audit
    assert ("serve", public.account["account_id"], None, "failed", "integrity", 0) in audit
    assert public.get("/api/v1/billing").json()["charges"] == []  # nothing served, nothing owed

    # Restored from backup, it is served again, and the free look was not used up.
    kit.sql(flip.replace("+ 1) %% 256", "+ 255) %% 256"), document.sha256)
    assert Api(edge_url).post(f"/api/v1/free-looks/{token}").content == document.content


def test_a_20_mb_document_streams_intact_through_the_edge(
    edge_url: str, kit: AccessKit, clerk: Api
) -> None:
    content = pdf_bytes() + b"%" + os.urandom(20 * 1024 * 1024)
    digest = hashlib.sha256(content).hexdigest()
    case_number = kit.open_case("civil")
    document = kit.store(content, pages=300, filename="record.pdf")
    kit.record_entry(case_number, "civil", 1, [document])
    assert kit.sql("SELECT count(*) FROM access.content_chunks WHERE sha256 = %s", digest) == [
        (21,)
    ]
    with httpx.stream(
        "GET",
        f"{edge_url}/api/v1/documents/{document.document_id}",
        headers={"Authorization": f"Bearer {clerk.token}"},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-length"] == str(len(content))
        assert response.headers["x-document-sha256"] == digest
        streamed = hashlib.sha256()
        received = 0
        for chunk in response.iter_bytes():
            streamed.update(chunk)
            received += len(chunk)
    assert (received, streamed.hexdigest()) == (len(content), digest)


def test_a_change_while_streaming_stops_the_stream_before_its_end(
    kit: AccessKit, database_url: str
) -> None:
    content = os.urandom(9 * 1024 * 1024 + 17)  # over the buffered limit: two passes
    document = kit.store(content)
    pool = connect_pool(database_url, schema="access", max_size=2)
    try:
        chunks = Vault(pool).verified_chunks(document.sha256)
        iterator = iter(chunks)
        first = next(iterator)
        assert first == content[: len(first)]
        kit.sql(
            "UPDATE access.content_chunks SET data = set_byte(data, 0, (get_byte(data, 0) + 1)"
            " %% 256) WHERE sha256 = %s AND seq = 3",
            document.sha256,
        )
        sent = [first]
        with pytest.raises(ContentCorrupted):
            for chunk in iterator:
                sent.append(chunk)
        assert len(sent) == 9  # the last of the ten chunks never left
        with pytest.raises(ContentCorrupted):
            Vault(pool).verified_chunks(document.sha256)
    finally:
        pool.close()
