"""How notify judges each item of an IssueFreeLooks answer: the same rule as a refused single
call with the same code (permanent refusals are recorded, the others wait and ask again)."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from court.v1 import access_pb2

from services.notify.compose.nda import link_outcome, permanent_refusal


def refusal(code: str) -> access_pb2.IssuedFreeLook:
    return access_pb2.IssuedFreeLook(
        refusal=access_pb2.FreeLookRefusal(code=code, message=f"refused: {code}")
    )


def test_an_issued_link_keeps_its_token_and_expiry() -> None:
    link = access_pb2.IssueFreeLookResponse(token="t" * 43)
    link.expires_at.FromDatetime(datetime(2026, 12, 17, 12, 0, tzinfo=UTC))
    outcome = link_outcome("n1", "d1", access_pb2.IssuedFreeLook(link=link))
    assert (outcome.notice_id, outcome.document_id, outcome.token) == ("n1", "d1", "t" * 43)
    assert outcome.expires_at == datetime(2026, 12, 17, 12, 0, tzinfo=UTC)
    assert (outcome.error, outcome.transient) == (None, False)


@pytest.mark.parametrize(
    ("code", "transient", "error"),
    [
        ("validation_failed", False, "INVALID_ARGUMENT: refused: validation_failed"),
        ("sealed", False, "PERMISSION_DENIED: refused: sealed"),
        ("restricted_case", False, "PERMISSION_DENIED: refused: restricted_case"),
        # access has not seen the document yet (it follows docket within moments): ask again
        ("not_found", True, "NOT_FOUND: refused: not_found"),
        ("unavailable", True, "UNAVAILABLE: refused: unavailable"),
        ("forbidden", True, "PERMISSION_DENIED: refused: forbidden"),
        ("a_code_from_a_newer_access", True, "UNKNOWN: refused: a_code_from_a_newer_access"),
    ],
)
def test_a_refused_item_is_judged_by_its_code(code: str, transient: bool, error: str) -> None:
    outcome = link_outcome("n1", "d1", refusal(code))
    assert (outcome.token, outcome.expires_at) == (None, None)
    assert (outcome.transient, outcome.error) == (transient, error)


def test_an_empty_result_is_not_taken_for_a_link() -> None:
    outcome = link_outcome("n1", "d1", access_pb2.IssuedFreeLook())
    assert outcome.token is None and outcome.transient


@pytest.mark.parametrize(
    ("status", "reason", "permanent"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, None, True),
        (grpc.StatusCode.FAILED_PRECONDITION, None, True),
        (grpc.StatusCode.PERMISSION_DENIED, "sealed", True),
        (grpc.StatusCode.PERMISSION_DENIED, "forbidden", False),
        (grpc.StatusCode.PERMISSION_DENIED, None, False),
        (grpc.StatusCode.UNAVAILABLE, None, False),
        (grpc.StatusCode.DEADLINE_EXCEEDED, None, False),
        (grpc.StatusCode.UNIMPLEMENTED, None, False),
        (grpc.StatusCode.NOT_FOUND, "not_found", False),
    ],
)
def test_whole_call_refusals_follow_the_same_rule(
    status: grpc.StatusCode, reason: str | None, permanent: bool
) -> None:
    assert permanent_refusal(status, reason) is permanent
