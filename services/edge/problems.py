"""Errors as application/problem+json with a stable ``code`` (RFC 9457).

The edge sets a problem's own members; an error's extra fields are added beside them and
never replace one (a filing's state is ``filing_status``, not ``status``). A client that goes
away mid-request is no error: it is logged once and answered with nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.errors import ERROR_KINDS, CourtError
from services.common.logs import current_trace_id

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

_HTTP_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "not_pdf",
    422: "validation_failed",
}


# What the edge itself sets in a problem (RFC 9457's members, ours after them); an error's
# fields of the same name are dropped, so the body keeps the schema the API promises.
PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "code", "trace_id"})


def documented(description: str) -> dict[str, object]:
    """An OpenAPI ``responses`` entry: a refusal answered as problem+json, its codes named."""
    return {"description": description, "content": {PROBLEM_JSON: {}}}


def problem(
    code: str,
    detail: str,
    *,
    status: int | None = None,
    extra: dict[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    http_status = status or ERROR_KINDS[code].http_status
    body: dict[str, object] = {
        **_beside_members(code, extra or {}),
        "type": f"https://openecf.org/problems/{code}",
        "title": code.replace("_", " "),
        "status": http_status,
        "code": code,
        "detail": detail,
        "trace_id": current_trace_id() or None,
    }
    return JSONResponse(body, status_code=http_status, media_type=PROBLEM_JSON, headers=headers)


def _beside_members(code: str, extra: dict[str, object]) -> dict[str, object]:
    clashing = sorted(PROBLEM_MEMBERS.intersection(extra))
    if clashing:  # a service's detail to rename: say so, once per answer
        log.warning(
            "error fields clash with problem members", extra={"code": code, "fields": clashing}
        )
    return {name: value for name, value in extra.items() if name not in PROBLEM_MEMBERS}


def from_rpc_error(error: grpc.RpcError) -> JSONResponse:
    """Translate a service's status (with its ErrorInfo reason) into a problem."""
    status = rpc_status.from_call(error)
    reason, fields, retry_after = None, {}, None
    if status is not None:
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            retry = error_details_pb2.RetryInfo()
            if detail.Unpack(info):
                reason, fields = info.reason, dict(info.metadata)
            elif detail.Unpack(retry):
                retry_after = retry.retry_delay.seconds
    code = error.code()
    if reason in ERROR_KINDS:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return problem(reason, error.details() or reason, extra=fields or None, headers=headers)
    # CANCELLED without a reason: the replica died mid-call (its connection went away), which
    # a retry — on another replica — answers.
    if code in (
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.CANCELLED,
    ):
        return problem(
            "unavailable",
            "a court service is not reachable; try again shortly",
            headers={"Retry-After": "5"},
        )
    log.error("unexpected service error", extra={"grpc_code": str(code)})
    return problem("internal", "the court system could not complete the request")


def from_http_exception(exc: HTTPException) -> JSONResponse:
    """Starlette's own refusals (no route, wrong method…), their headers kept: a 405 must
    say what is ``Allow``ed."""
    if exc.status_code == 400:  # a body that does not parse: the same as a bad field
        return problem("validation_failed", f"the request body is not valid: {exc.detail}")
    code = _HTTP_CODES.get(exc.status_code, "internal")
    return problem(code, str(exc.detail), status=exc.status_code, headers=exc.headers)


class DisconnectedClients:
    """ASGI middleware, outside every other: a client that closed its connection before its
    body was read (an upload abandoned) is logged once at info and answered with nothing —
    not a 500 and two tracebacks that anyone could repeat to flood the error log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            log.info(
                "client disconnected before its request was read",
                extra={"method": scope.get("method"), "path": scope.get("path")},
            )


def _note_unavailable(request: Request, response: JSONResponse) -> JSONResponse:
    """A 503 ``unavailable`` (not ``maintenance``) is an observation for technical failures."""
    reporter = getattr(request.app.state, "refusals", None)
    if (
        reporter is not None
        and response.status_code == 503
        and json.loads(bytes(response.body)).get("code") == "unavailable"
    ):
        reporter.refused(request.url.path)
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(grpc.RpcError)
    async def _rpc(request: Request, exc: grpc.RpcError) -> JSONResponse:
        return _note_unavailable(request, from_rpc_error(exc))

    @app.exception_handler(CourtError)
    async def _court(request: Request, exc: CourtError) -> JSONResponse:
        return _note_unavailable(
            request, problem(exc.code, exc.message, extra=dict(exc.details) or None)
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "message": err.get("msg")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return problem(
            "validation_failed", f"{first['field']}: {first['message']}", extra={"errors": errors}
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return from_http_exception(exc)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem("internal", "the court system could not complete the request")


PROBLEM_SCHEMA: dict[str, object] = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "enum": sorted(ERROR_KINDS)},
        "detail": {"type": "string"},
        "trace_id": {"type": ["string", "null"]},
    },
}


def document_problems(app: FastAPI) -> None:
    """Say in /openapi.json what every error really is: problem+json with a stable code
    (FastAPI's own 422 schema is not what this API answers)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        problem_response = {
            "description": "A refusal: application/problem+json with a stable `code`.",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                    responses.pop("422")  # FastAPI's own; a route's declared 422 stays
                responses["default"] = problem_response
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
