"""Channels to the other services, carrying the trace id and this service's identity.

A person's session token is forwarded explicitly by the caller (``metadata_for``), so a
service never acts for a user it was not asked to act for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc

from services.common import metrics
from services.common.balancing import channel_target, client_options
from services.common.identity import AUTHORIZATION, SERVICE_IDENTITY, ServiceSigner
from services.common.logs import TRACE_HEADER, current_trace_id


class _ClientCallDetails(grpc.ClientCallDetails):
    def __init__(
        self, base: grpc.ClientCallDetails, metadata: list[tuple[str, str | bytes]]
    ) -> None:
        self.method = base.method
        self.timeout = base.timeout
        self.metadata = tuple(metadata)
        self.credentials = base.credentials
        self.wait_for_ready = base.wait_for_ready
        self.compression = base.compression


class CourtClientInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
):
    def __init__(self, *, signer: ServiceSigner | None) -> None:
        self._signer = signer

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = list(details.metadata or [])
        trace = current_trace_id()
        if trace:
            metadata.append((TRACE_HEADER, trace))
        if self._signer is not None:  # a fresh token per call: each is accepted once
            metadata.append((SERVICE_IDENTITY, self._signer.token(details.method)))
        return _ClientCallDetails(details, metadata)

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        service, method = details.method.strip("/").split("/", 1)
        metrics.GRPC_CLIENT_STARTED.labels(service, method).inc()
        started = time.perf_counter()
        outcome = continuation(self._details(details), request)
        code = outcome.code()
        metrics.GRPC_CLIENT_HANDLED.labels(service, method, code.name if code else "OK").inc()
        metrics.GRPC_CLIENT_HANDLING_SECONDS.labels(service, method).observe(
            time.perf_counter() - started
        )
        return outcome

    def intercept_stream_unary(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, requests: Any
    ) -> Any:
        # One answer to a stream of requests (documents in chunks): counted as a unary call.
        return self.intercept_unary_unary(continuation, details, requests)

    def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        service, method = details.method.strip("/").split("/", 1)
        metrics.GRPC_CLIENT_STARTED.labels(service, method).inc()
        started = time.perf_counter()
        call = continuation(self._details(details), request)

        def finished(done: Any) -> None:
            # Runs once the stream ends (read to the end, failed or cancelled).
            code = done.code()
            metrics.GRPC_CLIENT_HANDLED.labels(service, method, code.name if code else "OK").inc()
            metrics.GRPC_CLIENT_HANDLING_SECONDS.labels(service, method).observe(
                time.perf_counter() - started
            )

        call.add_done_callback(finished)
        return call


def open_channel(address: str, *, signer: ServiceSigner | None) -> grpc.Channel:
    channel = grpc.insecure_channel(
        channel_target(address),
        options=[
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
            *client_options(address),
        ],
    )
    return grpc.intercept_channel(channel, CourtClientInterceptor(signer=signer))


# The edge's HTTP client address, forwarded for auth's throttles (believed from the edge only).
CLIENT_ADDRESS = "x-openecf-client"


def metadata_for(session_token: str | None) -> list[tuple[str, str]]:
    return [(AUTHORIZATION, f"Bearer {session_token}")] if session_token else []
