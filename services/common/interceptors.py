"""Server interceptor: trace id, caller identity, metrics, and errors → gRPC status.

A ``CourtError`` becomes its status code with a google.rpc.ErrorInfo whose ``reason``
is the stable code (and RetryInfo when the caller should come back later); anything
unexpected is logged with its trace id and answered INTERNAL without internals.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import grpc
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.common import metrics
from services.common.db import DATABASE_UNAVAILABLE
from services.common.errors import ERROR_DOMAIN, CourtError
from services.common.identity import (
    AUTHORIZATION,
    SERVICE_IDENTITY,
    Caller,
    ServiceVerifier,
    bearer_token,
    caller_context,
)
from services.common.logs import TRACE_HEADER, trace_context

log = logging.getLogger(__name__)

# Called before each RPC with the full method name; raises CourtError to refuse it
# (the maintenance gate plugs in here).
CallGate = Callable[[str], None]


def court_status(error: CourtError) -> status_pb2.Status:
    info = error_details_pb2.ErrorInfo(reason=error.code, domain=ERROR_DOMAIN)
    info.metadata.update(error.details)
    status = status_pb2.Status(code=error.kind.grpc_status.value[0], message=error.message)
    status.details.add().Pack(info)
    if error.retry_after_seconds is not None:
        retry = error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(seconds=error.retry_after_seconds)
        )
        status.details.add().Pack(retry)
    return status


def _internal_status() -> status_pb2.Status:
    status = status_pb2.Status(code=code_pb2.INTERNAL, message="internal error")
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason="internal", domain=ERROR_DOMAIN))
    return status


class CourtServerInterceptor(grpc.ServerInterceptor):
    def __init__(self, *, verifier: ServiceVerifier, gates: list[CallGate] | None = None) -> None:
        self._verifier = verifier
        self._gates = gates or []

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(details)
        method = details.method
        if handler is None or method.startswith(("/grpc.health.", "/grpc.reflection.")):
            return handler
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(method, handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(method, handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:  # documents sent in chunks: one answer, wrapped as a unary one
            return grpc.stream_unary_rpc_method_handler(
                self._wrap_unary(method, handler.stream_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler  # bidirectional streaming is not used by this project

    def _caller(self, context: grpc.ServicerContext, method: str) -> tuple[Caller, str | None]:
        metadata = {
            key: value
            for key, value in context.invocation_metadata()
            if isinstance(value, str)  # binary (-bin) headers carry nothing we read
        }
        service = self._verifier.verify(metadata.get(SERVICE_IDENTITY), method)
        caller = Caller(session_token=bearer_token(metadata.get(AUTHORIZATION)), service=service)
        return caller, metadata.get(TRACE_HEADER)

    def _caller_or_abort(
        self, context: grpc.ServicerContext, method: str
    ) -> tuple[Caller, str | None]:
        # Checking a service token can itself fail (its nonce store is down): a status, not
        # an unhandled exception.
        try:
            return self._caller(context, method)
        except CourtError as exc:
            self._abort(context, *_split(method), exc)

    def _wrap_unary(self, method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
        service, name = _split(method)

        def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
            with self._handling(context, method, service, name):
                return behavior(request, context)

        return wrapped

    def _wrap_stream(self, method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
        service, name = _split(method)

        def wrapped(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            with self._handling(context, method, service, name):
                yield from behavior(request, context)

        return wrapped

    @contextlib.contextmanager
    def _handling(
        self, context: grpc.ServicerContext, method: str, service: str, name: str
    ) -> Iterator[None]:
        """One call, unary or streamed: its caller and trace, the gates, a failure answered
        as a status, and its metrics."""
        caller, trace = self._caller_or_abort(context, method)
        metrics.GRPC_STARTED.labels(service, name).inc()
        started = time.perf_counter()
        with trace_context(trace), caller_context(caller):
            try:
                for gate in self._gates:
                    gate(method)
                yield
            except Exception as exc:
                self._abort(context, service, name, exc)
            finally:
                code = _final_code(context, "OK")
                metrics.GRPC_HANDLED.labels(service, name, code).inc()
                metrics.GRPC_HANDLING_SECONDS.labels(service, name).observe(
                    time.perf_counter() - started
                )

    def _abort(
        self, context: grpc.ServicerContext, service: str, name: str, exc: Exception
    ) -> NoReturn:
        """Answer the failure as a status (abort_with_status raises)."""
        if isinstance(exc, DATABASE_UNAVAILABLE):
            # A database restart is the platform's trouble, not the request's: UNAVAILABLE
            # with a retry hint (HTTP 503), not INTERNAL (500).
            log.warning("database unavailable in %s/%s: %s", service, name, exc)
            exc = CourtError(
                "unavailable",
                "the court's database is not reachable; try again shortly",
                retry_after_seconds=2,
            )
        if isinstance(exc, CourtError):
            metrics.GRPC_ERRORS_BY_REASON.labels(service, name, exc.code).inc()
            status = court_status(exc)
        elif _final_code(context, "OK") != "OK":
            raise exc  # the servicer already aborted with a status of its own
        else:
            log.exception("unhandled error in %s/%s", service, name)
            status = _internal_status()
        context.abort_with_status(rpc_status.to_status(status))
        raise AssertionError("unreachable")  # abort_with_status always raises


def _final_code(context: grpc.ServicerContext, fallback: str) -> str:
    code = context.code()  # type: ignore[attr-defined]  # missing from grpc's stubs
    return code.name if isinstance(code, grpc.StatusCode) else fallback


def _split(method: str) -> tuple[str, str]:
    _, service, name = method.split("/", 2)
    return service, name
