"""problem+json (services/edge/problems.py): a stable code for every error a service raises."""

from __future__ import annotations

import json

import grpc
from grpc_status import rpc_status

from services.common.errors import CourtError
from services.common.interceptors import court_status
from services.edge.problems import PROBLEM_JSON, from_rpc_error, problem


class _WireError(grpc.RpcError, grpc.Call):  # type: ignore[misc]
    """What a gRPC client raises for a status, built from the same status a servicer sends."""

    def __init__(self, error: CourtError | None, code: grpc.StatusCode) -> None:
        self._code = code
        self._status = court_status(error) if error else None

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._status.message if self._status else "no details"

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        if self._status is None:
            return ()
        return (("grpc-status-details-bin", self._status.SerializeToString()),)

    def initial_metadata(self) -> tuple[()]:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> None:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: object) -> bool:
        return False


def _body(response: object) -> dict[str, object]:
    return json.loads(response.body)  # type: ignore[attr-defined,no-any-return]


def test_a_problem_has_type_title_status_code_and_extra_fields() -> None:
    response = problem("invalid_text", "title must not …", extra={"field": "title"})
    assert response.status_code == 422
    assert response.media_type == PROBLEM_JSON
    body = _body(response)
    assert body["type"] == "https://openecf.org/problems/invalid_text"
    assert (body["code"], body["status"], body["field"]) == ("invalid_text", 422, "title")


def test_a_services_court_error_keeps_its_code_fields_and_retry_after() -> None:
    error = CourtError(
        "maintenance", "closed", details={"reason": "upgrade"}, retry_after_seconds=120
    )
    wire = _WireError(error, grpc.StatusCode.UNAVAILABLE)
    assert rpc_status.from_call(wire) is not None
    response = from_rpc_error(wire)
    assert (response.status_code, response.headers["retry-after"]) == (503, "120")
    assert _body(response)["code"] == "maintenance"
    assert _body(response)["reason"] == "upgrade"


def test_text_refusals_keep_the_field() -> None:
    error = CourtError("invalid_text", "bad", details={"field": "parties"})
    response = from_rpc_error(_WireError(error, grpc.StatusCode.INVALID_ARGUMENT))
    assert (response.status_code, _body(response)["field"]) == (422, "parties")


def test_an_unreachable_service_is_unavailable_and_anything_else_internal() -> None:
    down = from_rpc_error(_WireError(None, grpc.StatusCode.UNAVAILABLE))
    assert (down.status_code, _body(down)["code"], down.headers["retry-after"]) == (
        503,
        "unavailable",
        "5",
    )
    odd = from_rpc_error(_WireError(None, grpc.StatusCode.DATA_LOSS))
    assert (odd.status_code, _body(odd)["code"]) == (500, "internal")


def test_a_call_cut_off_by_a_replica_that_died_is_unavailable_not_internal() -> None:
    cut = from_rpc_error(_WireError(None, grpc.StatusCode.CANCELLED))
    assert (cut.status_code, _body(cut)["code"]) == (503, "unavailable")
