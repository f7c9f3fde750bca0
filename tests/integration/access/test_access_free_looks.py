"""Free looks on the real stack: the confirmation step, one use, expiry, forged links, sealing,
and many links in one call."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from access_kit import AccessKit, forged_identity
from court.v1 import access_pb2, events_pb2
from support.api import Api, wait_for
from support.grpc_errors import reason_of

from services.stack.supervisor import LocalStack

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def url(token: str) -> str:
    return f"/api/v1/free-looks/{token}"


def test_the_confirmation_page_does_not_use_the_link_and_the_pdf_is_served_once(
    edge_url: str, kit: AccessKit
) -> None:
    # A restricted case: the recipient takes part in it, so the link opens it without a login.
    case_number, document = kit.docketed_case("immigration", pages=4)
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    token = kit.issue_free_look(document, email, case_number=case_number, entry_number=1)
    person = Api(edge_url)  # not logged in: it is the link in the e-mail
    redeemed_before = kit.metric("openecf_access_free_looks_redeemed_total")

    page = person.get(url(token), headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert case_number in page.text and "document.pdf" in page.text and "4 pages" in page.text
    assert f'<form method="post" action="/api/v1/free-looks/{token}">' in page.text
    assert "<script" not in page.text
    info = person.get(url(token), headers=JSON)  # a second look still does not use it
    assert info.status_code == 200
    assert info.json() | {"expires_at": None} == {
        "document_id": document.document_id,
        "filename": "document.pdf",
        "pages": 4,
        "case_number": case_number,
        "entry_number": 1,
        "recipient_email": email,
        "expires_at": None,
    }

    served = person.post(url(token))
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-fee-cents"] == "0"
    assert served.content == document.content

    for method, headers in (("POST", JSON), ("GET", JSON), ("POST", {})):
        used = person.request(method, url(token), headers=headers)
        assert (used.status_code, used.json()["code"]) == (410, "free_look_used"), method
    used_page = person.post(url(token), headers=HTML)  # a person's browser gets a page
    assert used_page.status_code == 410
    assert used_page.headers["content-type"].startswith("text/html")
    assert "free_look_used" in used_page.text

    rows = wait_for(
        lambda: kit.sql(
            "SELECT payload FROM access.outbox WHERE event_type = 'access.free_look_redeemed'"
            " AND key = %s AND sent_at IS NOT NULL",
            case_number,
        ),
        what="the access.free_look_redeemed event published",
    )
    event = events_pb2.FreeLookRedeemed()
    assert events_pb2.EventEnvelope.FromString(bytes(rows[0][0])).payload.Unpack(event)
    assert (event.document_id, event.recipient_email) == (document.document_id, email)
    audit = kit.audit(document.document_id)
    assert ("free_look", None, event.free_look_id, "allowed", "free_look", 0) in audit
    assert ("free_look", None, event.free_look_id, "denied", "free_look_used", 0) in audit
    assert kit.metric("openecf_access_free_looks_redeemed_total") == redeemed_before + 1


def test_links_expire_fifteen_days_after_issue(edge_url: str, kit: AccessKit) -> None:
    case_number, document = kit.docketed_case("civil")
    token = kit.issue_free_look(document, "late@example.org", case_number=case_number)
    digest = hashlib.sha256(token.encode()).digest()
    ttl = kit.sql(
        "SELECT expires_at - issued_at FROM access.free_looks WHERE token_sha256 = %s", digest
    )
    assert ttl[0][0].days == 15
    kit.sql(
        "UPDATE access.free_looks SET expires_at = now() - interval '1 second'"
        " WHERE token_sha256 = %s",
        digest,
    )
    person = Api(edge_url)
    for method in ("GET", "POST"):
        expired = person.request(method, url(token), headers=JSON)
        assert (expired.status_code, expired.json()["code"]) == (410, "free_look_expired")


def test_forged_and_tampered_links_are_not_found(edge_url: str, kit: AccessKit) -> None:
    case_number, document = kit.docketed_case("civil")
    token = kit.issue_free_look(document, "owner@example.org", case_number=case_number)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    person = Api(edge_url)
    for forged in (tampered, secrets.token_urlsafe(32), "x", "A" * 300, "%00", "a.b", "'--"):
        # A NUL never reaches access: the edge refuses it in any address (invalid_text).
        expected = (422, "invalid_text") if forged == "%00" else (404, "not_found")
        for method in ("GET", "POST"):
            refused = person.request(method, url(forged), headers=JSON)
            assert (refused.status_code, refused.json()["code"]) == expected, forged
    assert person.get(url(token), headers=JSON).status_code == 200  # the real one still works
    stored = kit.sql(
        "SELECT count(*) FROM access.free_looks WHERE token_sha256 = %s::bytea"
        " OR recipient_email = %s",
        token.encode(),
        token,
    )
    assert stored == [(0,)]  # only the hash is kept


def test_a_document_sealed_after_the_notice_is_not_served(edge_url: str, kit: AccessKit) -> None:
    case_number, document = kit.docketed_case("agency")
    token = kit.issue_free_look(document, "counsel@example.org", case_number=case_number)
    person = Api(edge_url)
    assert person.get(url(token), headers=JSON).status_code == 200
    kit.seal_entry(case_number, 1, [document])
    for method in ("GET", "POST"):
        sealed = person.request(method, url(token), headers=JSON)
        assert (sealed.status_code, sealed.json()["code"]) == (403, "sealed"), method


def test_a_link_works_once_even_when_opened_at_the_same_time(edge_url: str, kit: AccessKit) -> None:
    case_number, document = kit.docketed_case("civil")
    email = "twice@example.org"
    token = kit.issue_free_look(document, email, case_number=case_number)
    sibling = kit.issue_free_look(document, email, case_number=case_number)  # a re-sent notice
    person = Api(edge_url)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: person.post(url(token), headers=JSON), range(6)))
    assert sorted(a.status_code for a in answers) == [200] + [410] * 5
    # The first view is the free one: the address's other link for the document is used too.
    other = person.post(url(sibling), headers=JSON)
    assert (other.status_code, other.json()["code"]) == (410, "free_look_used")


def test_a_link_for_an_entry_access_has_not_recorded_yet_asks_to_retry(
    edge_url: str, kit: AccessKit
) -> None:
    document = kit.store()
    token = kit.issue_free_look(document, "early@example.org", case_number="99-0")
    early = Api(edge_url).get(url(token), headers=JSON)
    assert (early.status_code, early.json()["code"]) == (503, "unavailable")
    assert early.headers["retry-after"] == "5"
    case_number = kit.open_case("civil")
    kit.record_entry(case_number, "civil", 1, [document])
    assert Api(edge_url).post(url(token)).content == document.content


@pytest.mark.parametrize("method", ["IssueFreeLook", "IssueFreeLooks"])
@pytest.mark.parametrize("identity", ["none", "edge", "filing", "forged", "expired"])
def test_only_the_notify_service_issues_links(kit: AccessKit, identity: str, method: str) -> None:
    metadata = {
        "none": [],
        "edge": kit.service("edge", method),
        "filing": kit.service("filing", method),
        "forged": forged_identity("notify", method),
        "expired": kit.service("notify", method, now=time.time() - 3600),
    }[identity]
    document = kit.store()
    item = access_pb2.IssueFreeLookRequest(
        document_id=document.document_id, recipient_email="a@example.org"
    )
    request = item if method == "IssueFreeLook" else access_pb2.IssueFreeLooksRequest(items=[item])
    with pytest.raises(grpc.RpcError) as refused:
        getattr(kit.stub, method)(request, metadata=metadata, timeout=10)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(refused.value) == "forbidden"
    assert kit.sql(
        "SELECT count(*) FROM access.free_looks WHERE document_id = %s", document.document_id
    ) == [(0,)]


def test_issuing_checks_the_document_and_the_address(kit: AccessKit) -> None:
    document = kit.store()
    for document_id, email, code, reason in (
        (str(uuid.uuid4()), "a@example.org", grpc.StatusCode.NOT_FOUND, "not_found"),
        ("not-an-id", "a@example.org", grpc.StatusCode.NOT_FOUND, "not_found"),
        (document.document_id, "not an address", grpc.StatusCode.INVALID_ARGUMENT, None),
        (document.document_id, "", grpc.StatusCode.INVALID_ARGUMENT, None),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            kit.stub.IssueFreeLook(
                access_pb2.IssueFreeLookRequest(document_id=document_id, recipient_email=email),
                metadata=kit.service("notify", "IssueFreeLook"),
                timeout=10,
            )
        assert refused.value.code() == code
        assert reason_of(refused.value) == (reason or "validation_failed")


# -- many links in one call (IssueFreeLooks, notify's compose batch) -----------------------


def issue_many(
    kit: AccessKit, items: list[access_pb2.IssueFreeLookRequest]
) -> access_pb2.IssueFreeLooksResponse:
    return kit.stub.IssueFreeLooks(
        access_pb2.IssueFreeLooksRequest(items=items),
        metadata=kit.service("notify", "IssueFreeLooks"),
        timeout=10,
    )


def test_one_call_gives_each_link_or_its_own_refusal_and_each_link_opens_once(
    edge_url: str, kit: AccessKit
) -> None:
    case_number, document = kit.docketed_case("civil", pages=2)
    sealed_case, sealed = kit.docketed_case("civil", sealed=True)
    issued_before = kit.metric("openecf_access_free_looks_issued_total")
    items = [
        access_pb2.IssueFreeLookRequest(
            document_id=document.document_id,
            recipient_email="first@example.org",
            case_number=case_number,
            entry_number=1,
        ),
        access_pb2.IssueFreeLookRequest(
            document_id=str(uuid.uuid4()), recipient_email="first@example.org"
        ),
        access_pb2.IssueFreeLookRequest(
            document_id=sealed.document_id,
            recipient_email="first@example.org",
            case_number=sealed_case,
        ),
        access_pb2.IssueFreeLookRequest(
            document_id=document.document_id, recipient_email="not an address"
        ),
        access_pb2.IssueFreeLookRequest(
            document_id=f" {document.document_id.upper()} ",  # the same document, as sent
            recipient_email=" second@example.org ",
            case_number=case_number,
            entry_number=1,
        ),
    ]
    results = issue_many(kit, items).results
    assert [r.WhichOneof("outcome") for r in results] == [
        "link",
        "refusal",
        "refusal",
        "refusal",
        "link",
    ]
    assert [results[i].refusal.code for i in (1, 2, 3)] == [
        "not_found",
        "sealed",
        "validation_failed",
    ]
    assert all(results[i].refusal.message for i in (1, 2, 3))
    first, second = results[0].link, results[4].link
    assert first.token != second.token
    assert first.expires_at.ToDatetime() == second.expires_at.ToDatetime()
    assert kit.metric("openecf_access_free_looks_issued_total") == issued_before + 2
    stored = kit.sql(
        "SELECT recipient_email, case_number, entry_number FROM access.free_looks"
        " WHERE document_id = %s ORDER BY recipient_email",
        document.document_id,
    )
    assert stored == [("first@example.org", case_number, 1), ("second@example.org", case_number, 1)]
    assert kit.sql(
        "SELECT count(*) FROM access.free_looks WHERE document_id = %s", sealed.document_id
    ) == [(0,)]

    person = Api(edge_url)
    for token in (first.token, second.token):
        served = person.post(url(token))
        assert (served.status_code, served.content) == (200, document.content)
        again = person.post(url(token), headers=JSON)
        assert (again.status_code, again.json()["code"]) == (410, "free_look_used")


def test_each_link_is_logged_under_its_own_entrys_trace(kit: AccessKit, stack: LocalStack) -> None:
    """One call carries the links of several entries (notify's batch): each link's log line
    names its own entry's trace, so a filing's trace reaches its free looks."""
    case_number, document = kit.docketed_case("civil")
    issued_trace, refused_trace = secrets.token_hex(16), secrets.token_hex(16)
    results = issue_many(
        kit,
        [
            access_pb2.IssueFreeLookRequest(
                document_id=document.document_id,
                recipient_email="traced@example.org",
                case_number=case_number,
                entry_number=1,
                trace_id=issued_trace,
            ),
            access_pb2.IssueFreeLookRequest(
                document_id=str(uuid.uuid4()),
                recipient_email="traced@example.org",
                trace_id=refused_trace,
            ),
        ],
    ).results
    assert [r.WhichOneof("outcome") for r in results] == ["link", "refusal"]

    def logged(trace_id: str) -> list[str]:
        log = (stack.log_dir / "access.log").read_text(errors="replace").splitlines()
        return [json.loads(line)["msg"] for line in log if trace_id in line]

    assert wait_for(lambda: logged(issued_trace), what="the link's line") == ["free look issued"]
    assert wait_for(lambda: logged(refused_trace), what="the refusal's line") == [
        "free look refused"
    ]


def test_an_empty_call_issues_nothing_and_a_call_of_more_than_200_links_is_refused(
    kit: AccessKit,
) -> None:
    assert list(issue_many(kit, []).results) == []
    document = kit.store()
    item = access_pb2.IssueFreeLookRequest(
        document_id=document.document_id, recipient_email="many@example.org"
    )
    assert len(issue_many(kit, [item] * 200).results) == 200
    with pytest.raises(grpc.RpcError) as refused:
        issue_many(kit, [item] * 201)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(refused.value) == "validation_failed"
    assert "at most 200" in (refused.value.details() or "")
    assert kit.sql(
        "SELECT count(*) FROM access.free_looks WHERE document_id = %s", document.document_id
    ) == [(200,)]


def test_a_document_access_knows_is_sealed_gets_no_link(kit: AccessKit) -> None:
    case_number, document = kit.docketed_case("civil", sealed=True)
    with pytest.raises(grpc.RpcError) as refused:
        kit.issue_free_look(document, "counsel@example.org", case_number=case_number)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(refused.value) == "sealed"
    assert kit.sql(
        "SELECT count(*) FROM access.free_looks WHERE document_id = %s", document.document_id
    ) == [(0,)]
