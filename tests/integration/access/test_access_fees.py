"""PACER fees on the real stack: what a view costs, the quarter's statement and its waiver."""

from __future__ import annotations

from datetime import UTC, datetime

from access_kit import AccessKit
from court.v1 import access_pb2, events_pb2
from support.api import Api, register, wait_for
from support.stack import COURT_TZ

from services.access.fees import quarter_of


def test_a_31_page_document_costs_three_dollars_and_is_an_event(
    edge_url: str, kit: AccessKit
) -> None:
    public, _ = register(edge_url, "public")
    case_number, document = kit.docketed_case("agency", pages=31)
    served = public.get(f"/api/v1/documents/{document.document_id}")
    assert served.status_code == 200
    assert served.headers["x-fee-cents"] == "300"
    assert served.headers["x-document-pages"] == "31"

    statement = public.get("/api/v1/billing").json()
    assert statement["quarter"] == quarter_of(datetime.now(UTC), COURT_TZ)
    assert [
        (c["document_id"], c["case_number"], c["pages"], c["fee_cents"])
        for c in statement["charges"]
    ] == [(document.document_id, case_number, 31, 300)]
    assert (statement["total_cents"], statement["waived"], statement["amount_due_cents"]) == (
        300,
        True,
        0,
    )

    # The served event went out through the outbox, written with the charge.
    rows = wait_for(
        lambda: kit.sql(
            "SELECT payload FROM access.outbox WHERE event_type = 'access.document_served'"
            " AND key = %s AND sent_at IS NOT NULL",
            case_number,
        ),
        what="the access.document_served event published",
    )
    envelope = events_pb2.EventEnvelope.FromString(bytes(rows[0][0]))
    event = events_pb2.DocumentServed()
    assert envelope.payload.Unpack(event)
    assert (event.document_id, event.account_id, event.pages, event.fee_cents) == (
        document.document_id,
        public.account["account_id"],
        31,
        300,
    )
    assert not event.free_look


def test_a_quarter_over_thirty_dollars_is_not_waived(edge_url: str, kit: AccessKit) -> None:
    public, _ = register(edge_url, "public")
    _, document = kit.docketed_case("civil", pages=45)
    for _ in range(10):  # each view is charged, at the $3.00 cap
        assert public.get(f"/api/v1/documents/{document.document_id}").status_code == 200
    at_thirty = public.get("/api/v1/billing").json()
    assert (at_thirty["total_cents"], at_thirty["waived"], at_thirty["amount_due_cents"]) == (
        3000,
        True,
        0,
    )
    assert public.get(f"/api/v1/documents/{document.document_id}").status_code == 200
    over = public.get("/api/v1/billing").json()
    assert len(over["charges"]) == 11
    assert (over["total_cents"], over["waived"], over["amount_due_cents"]) == (3300, False, 3300)


def test_statements_are_per_court_local_quarter(edge_url: str, kit: AccessKit) -> None:
    public, _ = register(edge_url, "public")
    _, document = kit.docketed_case("criminal", pages=5)
    assert public.get(f"/api/v1/documents/{document.document_id}").status_code == 200
    # Move the charge to New Year's Eve, 23:00 Pacific: still the old year's fourth quarter.
    kit.sql(
        "UPDATE access.fee_ledger SET quarter = '2025-Q4',"
        " charged_at = '2025-12-31T23:00:00-08:00' WHERE account_id = %s",
        public.account["account_id"],
    )
    now = public.get("/api/v1/billing").json()
    assert (now["charges"], now["total_cents"], now["waived"]) == ([], 0, True)
    last = public.get("/api/v1/billing", params={"quarter": "2025-Q4"}).json()
    assert last["quarter"] == "2025-Q4"
    assert [(c["document_id"], c["fee_cents"]) for c in last["charges"]] == [
        (document.document_id, 50)
    ]
    assert last["charges"][0]["charged_at"] == "2026-01-01T07:00:00Z"
    for bad in ("2025-Q5", "Q4-2025", "2025-Q4x", "'; DROP TABLE"):
        refused = public.get("/api/v1/billing", params={"quarter": bad})
        assert (refused.status_code, refused.json()["code"]) == (422, "validation_failed"), bad
    anonymous = Api(edge_url).get("/api/v1/billing")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")


def test_a_check_never_charges(edge_url: str, kit: AccessKit) -> None:
    public, _ = register(edge_url, "public")
    _, document = kit.docketed_case("civil", pages=12)
    for _ in range(3):
        metadata = [
            *kit.service("docket", "CheckAccess"),
            ("authorization", f"Bearer {public.token}"),
        ]
        reply = kit.stub.CheckAccess(
            access_pb2.CheckAccessRequest(document_ids=[document.document_id]),
            metadata=metadata,
            timeout=10,
        )
        assert (reply.decisions[0].allowed, reply.decisions[0].fee_cents) == (True, 120)
    assert public.get("/api/v1/billing").json()["total_cents"] == 0
