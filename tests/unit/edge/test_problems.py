"""problem+json (services/edge/problems.py): a stable code for every error a service raises."""

from __future__ import annotations

import asyncio
import json
import logging

import grpc
import pytest
from grpc_status import rpc_status
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from services.common.errors import ERROR_KINDS, CourtError
from services.common.interceptors import court_status
from services.edge.problems import (
    _HTTP_CODES,
    PROBLEM_JSON,
    PROBLEM_SCHEMA,
    DisconnectedClients,
    from_http_exception,
    from_rpc_error,
    problem,
)


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


def test_an_errors_own_fields_never_replace_the_problems_members() -> None:
    """A service's detail named like a problem member (a filing's ``status``) must not turn
    the integer HTTP status into a word."""
    members = ("type", "title", "status", "code", "detail", "instance", "trace_id")
    clashing = {name: "from the error" for name in members}
    body = _body(problem("validation_failed", "not waiting", extra={**clashing, "field": "x"}))
    assert (body["status"], body["code"]) == (422, "validation_failed")
    assert (body["title"], body["detail"]) == ("validation failed", "not waiting")
    assert body["type"] == "https://openecf.org/problems/validation_failed"
    assert (body["trace_id"], body["field"]) == (None, "x")
    assert "instance" not in body


def test_a_wrong_method_is_method_not_allowed_with_allow() -> None:
    """Starlette's 405 names the route's methods in ``Allow``; HTTP requires it passed on."""
    response = from_http_exception(HTTPException(405, headers={"Allow": "GET, HEAD"}))
    body = _body(response)
    assert (response.status_code, body["status"], body["code"]) == (405, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"
    # Every code the edge answers is in the catalogue and the OpenAPI's Problem schema.
    assert set(_HTTP_CODES.values()) <= set(ERROR_KINDS)
    assert ERROR_KINDS["method_not_allowed"].http_status == 405
    assert "method_not_allowed" in PROBLEM_SCHEMA["properties"]["code"]["enum"]  # type: ignore[index]


def _run(app: object, sent: list[object]) -> None:
    scope = {"type": "http", "method": "POST", "path": "/api/v1/filings", "headers": []}

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    asyncio.run(DisconnectedClients(app)(scope, receive, send))  # type: ignore[arg-type]


def test_only_a_client_gone_mid_request_is_quiet_one_info_line_and_no_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def reading_the_body(scope: object, receive: object, send: object) -> None:
        raise ClientDisconnect()

    async def broken(scope: object, receive: object, send: object) -> None:
        raise RuntimeError("a bug")

    sent: list[object] = []
    with caplog.at_level(logging.DEBUG, logger="services.edge.problems"):
        _run(reading_the_body, sent)
    assert sent == []
    [record] = [r for r in caplog.records if r.name == "services.edge.problems"]
    assert (record.levelno, record.exc_info) == (logging.INFO, None)
    assert getattr(record, "path", None) == "/api/v1/filings"
    with pytest.raises(RuntimeError):  # a bug still reaches the error handler and its log
        _run(broken, sent)
