"""The access policy on the real stack: roles by case types by sealed, through the edge and
through CheckAccess (the docket sheet's batch), with the fee of every cell and its audit."""

from __future__ import annotations

import uuid

from access_kit import AccessKit, Stored
from court.v1 import access_pb2
from support.api import Api, register

ROLES = ("anonymous", "public", "attorney", "counsel", "clerk", "admin")
CASE_TYPES = ("immigration", "social_security", "agency", "civil", "criminal")
PAGES = 7
FEE = 70  # 7 pages at $0.10

# (HTTP status, problem code, fee in cents charged)
OK = (200, None, FEE)
FREE = (200, None, 0)
UNAUTH = (401, "unauthenticated", 0)
RESTRICTED = (403, "restricted_case", 0)
SEALED = (403, "sealed", 0)

MATRIX: dict[tuple[str, bool], tuple[tuple[int, str | None, int], ...]] = {
    # (case type, sealed): anonymous, public, attorney, counsel of record, clerk, admin
    ("immigration", False): (UNAUTH, RESTRICTED, RESTRICTED, FREE, FREE, FREE),
    ("social_security", False): (UNAUTH, RESTRICTED, RESTRICTED, FREE, FREE, FREE),
    ("agency", False): (UNAUTH, OK, OK, FREE, FREE, FREE),
    ("civil", False): (UNAUTH, OK, OK, FREE, FREE, FREE),
    ("criminal", False): (UNAUTH, OK, OK, FREE, FREE, FREE),
    ("immigration", True): (UNAUTH, SEALED, SEALED, SEALED, FREE, FREE),
    ("social_security", True): (UNAUTH, SEALED, SEALED, SEALED, FREE, FREE),
    ("agency", True): (UNAUTH, SEALED, SEALED, SEALED, FREE, FREE),
    ("civil", True): (UNAUTH, SEALED, SEALED, SEALED, FREE, FREE),
    ("criminal", True): (UNAUTH, SEALED, SEALED, SEALED, FREE, FREE),
}


def answer(api: Api, document: Stored) -> tuple[int, str | None, int]:
    response = api.get(f"/api/v1/documents/{document.document_id}")
    if response.status_code != 200:
        return response.status_code, response.json()["code"], 0
    assert response.headers["content-type"] == "application/pdf"
    assert response.content == document.content
    assert response.headers["x-document-sha256"] == document.sha256
    return 200, None, int(response.headers["x-fee-cents"])


def test_the_policy_matrix_through_the_edge(
    edge_url: str, kit: AccessKit, clerk: Api, admin: Api
) -> None:
    public, _ = register(edge_url, "public")
    attorney, _ = register(edge_url, "attorney")
    counsel, _ = register(edge_url, "attorney")
    callers = {
        "anonymous": Api(edge_url),
        "public": public,
        "attorney": attorney,
        "counsel": counsel,
        "clerk": clerk,
        "admin": admin,
    }
    documents: dict[tuple[str, bool], Stored] = {}
    for case_type in CASE_TYPES:
        case_number = kit.open_case(case_type, counsel=[counsel.account["account_id"]])
        unsealed = kit.store(pages=PAGES, case_number=case_number)
        sealed = kit.store(pages=PAGES, case_number=case_number)
        kit.record_entry(case_number, case_type, 1, [unsealed])
        kit.record_entry(case_number, case_type, 2, [sealed], sealed=True)
        documents[(case_type, False)] = unsealed
        documents[(case_type, True)] = sealed

    got = {
        (cell, role): answer(callers[role], document)
        for cell, document in documents.items()
        for role in ROLES
    }
    expected = {(cell, role): MATRIX[cell][i] for cell in documents for i, role in enumerate(ROLES)}
    assert got == expected

    # The ledger holds exactly what was served, at the fee of each cell.
    for role in ("public", "attorney", "counsel"):
        statement = callers[role].get("/api/v1/billing").json()
        charged = sorted((c["document_id"], c["fee_cents"]) for c in statement["charges"])
        assert charged == sorted(
            (documents[cell].document_id, expected[(cell, role)][2])
            for cell in documents
            if expected[(cell, role)][0] == 200
        ), role
        assert statement["total_cents"] == sum(fee for _, fee in charged)
    staff = {
        c["document_id"]: c["fee_cents"] for c in clerk.get("/api/v1/billing").json()["charges"]
    }
    assert all(staff[d.document_id] == 0 for d in documents.values())

    # Every decision was audited: who, and allowed (on what ground) or why not.
    immigration = documents[("immigration", False)].document_id
    rows = {
        (account, outcome, reason)
        for action, account, _, outcome, reason, _ in kit.audit(immigration)
        if action == "serve"
    }
    assert rows == {
        (None, "denied", "unauthenticated"),
        (public.account["account_id"], "denied", "restricted_case"),
        (attorney.account["account_id"], "denied", "restricted_case"),
        (counsel.account["account_id"], "allowed", "counsel_of_record"),
        (clerk.account["account_id"], "allowed", "court_staff"),
        (admin.account["account_id"], "allowed", "court_staff"),
    }


def test_check_access_decides_the_same_in_a_batch_and_never_charges(
    edge_url: str, kit: AccessKit, clerk: Api
) -> None:
    public, _ = register(edge_url, "public")
    counsel, _ = register(edge_url, "attorney")
    cells: list[tuple[str, bool, Stored]] = []
    for case_type in CASE_TYPES:
        case_number = kit.open_case(case_type, counsel=[counsel.account["account_id"]])
        for entry, sealed in ((1, False), (2, True)):
            document = kit.store(pages=PAGES)
            kit.record_entry(case_number, case_type, entry, [document], sealed=sealed)
            cells.append((case_type, sealed, document))
    unknown, garbage = str(uuid.uuid4()), "../../etc/passwd"
    ids = [d.document_id for *_, d in cells] + [unknown, garbage, cells[0][2].document_id]

    def check(api: Api | None) -> list[tuple[bool, str, int]]:
        metadata = kit.service("docket", "CheckAccess")
        if api is not None:
            metadata.append(("authorization", f"Bearer {api.token}"))
        reply = kit.stub.CheckAccess(
            access_pb2.CheckAccessRequest(document_ids=ids), metadata=metadata, timeout=10
        )
        assert [d.document_id for d in reply.decisions] == ids  # request order, as sent
        return [(d.allowed, d.reason, d.fee_cents) for d in reply.decisions]

    for role, api in (
        ("anonymous", None),
        ("public", public),
        ("counsel", counsel),
        ("clerk", clerk),
    ):
        column = ROLES.index(role)
        want = []
        for case_type, sealed, _ in cells:
            status, code, fee = MATRIX[(case_type, sealed)][column]
            want.append((status == 200, code or "", fee))
        missing = "unauthenticated" if role == "anonymous" else "not_found"
        want += [(False, missing, 0)] * 2
        want.append(want[0])
        assert check(api) == want, role

    assert public.get("/api/v1/billing").json()["charges"] == []
    rows = kit.audit(cells[4][2].document_id)  # agency, unsealed
    assert ("check", public.account["account_id"], None, "allowed", "pacer_user", FEE) in rows


def test_an_appearance_makes_an_attorney_counsel_of_record(edge_url: str, kit: AccessKit) -> None:
    attorney, _ = register(edge_url, "attorney")
    account_id = attorney.account["account_id"]
    case_number, document = kit.docketed_case("social_security", pages=3)
    refused = attorney.get(f"/api/v1/documents/{document.document_id}")
    assert (refused.status_code, refused.json()["code"]) == (403, "restricted_case")
    kit.appear(case_number, account_id)
    opened = attorney.get(f"/api/v1/documents/{document.document_id}")
    assert opened.status_code == 200
    assert opened.headers["x-fee-cents"] == "0"  # counsel of record in their own case
    assert opened.content == document.content
    # Counsel of record elsewhere is still charged as anyone else.
    _, civil = kit.docketed_case("civil", pages=3)
    assert attorney.get(f"/api/v1/documents/{civil.document_id}").headers["x-fee-cents"] == "30"


def test_a_document_no_entry_names_is_for_court_staff_only(
    edge_url: str, kit: AccessKit, clerk: Api
) -> None:
    public, _ = register(edge_url, "public")
    pending = kit.store(pages=2)
    refused = public.get(f"/api/v1/documents/{pending.document_id}")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    opened = clerk.get(f"/api/v1/documents/{pending.document_id}")
    assert (opened.status_code, opened.content) == (200, pending.content)
    case_number = kit.open_case("civil")
    kit.record_entry(case_number, "civil", 1, [pending])
    served = public.get(f"/api/v1/documents/{pending.document_id}")
    assert (served.status_code, served.headers["x-fee-cents"]) == (200, "20")


def test_unknown_malformed_ids_and_dead_sessions(edge_url: str, kit: AccessKit) -> None:
    public, _ = register(edge_url, "public")
    for document_id in (str(uuid.uuid4()), "not-a-uuid", "x" * 300, "%27%20OR%201%3D1"):
        response = public.get(f"/api/v1/documents/{document_id}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), document_id
    _, document = kit.docketed_case("civil")
    for token in ("garbage", (public.token or "") + "x"):
        dead = Api(edge_url, token=token).get(f"/api/v1/documents/{document.document_id}")
        assert (dead.status_code, dead.json()["code"]) == (401, "unauthenticated")
    assert ("serve", None, None, "denied", "unauthenticated", 0) in kit.audit(document.document_id)


def test_decisions_are_counted_by_outcome_and_reason(edge_url: str, kit: AccessKit) -> None:
    public, _ = register(edge_url, "public")
    _, sealed = kit.docketed_case("criminal", sealed=True)
    before = kit.metric("openecf_access_decisions_total", outcome="denied", reason="sealed")
    for _ in range(3):
        assert public.get(f"/api/v1/documents/{sealed.document_id}").status_code == 403
    after = kit.metric("openecf_access_decisions_total", outcome="denied", reason="sealed")
    assert after - before >= 3
