"""Domain errors with a stable ``code``, and how each maps to gRPC and HTTP.

Services raise ``CourtError``; the gRPC interceptor turns it into a status with a
google.rpc.ErrorInfo (reason = code), and the edge turns that into problem+json.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc


@dataclass(frozen=True)
class ErrorKind:
    grpc_status: grpc.StatusCode
    http_status: int


# The edge API's stable codes (docs/architecture.md, Errors) and their statuses.
ERROR_KINDS: dict[str, ErrorKind] = {
    "unauthenticated": ErrorKind(grpc.StatusCode.UNAUTHENTICATED, 401),
    "invalid_credentials": ErrorKind(grpc.StatusCode.UNAUTHENTICATED, 401),
    "invalid_otp": ErrorKind(grpc.StatusCode.UNAUTHENTICATED, 401),
    "reauthentication_required": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "rate_limited": ErrorKind(grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
    "account_locked": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 423),
    "session_active": ErrorKind(grpc.StatusCode.ALREADY_EXISTS, 409),
    "mfa_required": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "email_unconfirmed": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "forbidden": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "not_efiler": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "paper_filing_required": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "not_counsel_of_record": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "restricted_case": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "sealed": ErrorKind(grpc.StatusCode.PERMISSION_DENIED, 403),
    "not_found": ErrorKind(grpc.StatusCode.NOT_FOUND, 404),
    # The edge's own: a route that exists, asked with a method it does not take.
    "method_not_allowed": ErrorKind(grpc.StatusCode.UNIMPLEMENTED, 405),
    "duplicate": ErrorKind(grpc.StatusCode.ALREADY_EXISTS, 409),
    "already_decided": ErrorKind(grpc.StatusCode.FAILED_PRECONDITION, 409),
    # An ACMS re-import whose new entry numbers were given to entries docketed here.
    "import_conflict": ErrorKind(grpc.StatusCode.FAILED_PRECONDITION, 409),
    "validation_failed": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "invalid_text": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "invalid_fee_status": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "pdf_malformed": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "pdf_too_complex": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "pdf_bad_redaction": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "pdf_encrypted": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "pdf_active_content": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "pdf_embedded_files": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "pdf_not_searchable": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "pii_unredacted": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "scan_unreadable": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 422),
    "not_pdf": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 415),
    "too_large": ErrorKind(grpc.StatusCode.INVALID_ARGUMENT, 413),
    "free_look_used": ErrorKind(grpc.StatusCode.FAILED_PRECONDITION, 410),
    "free_look_expired": ErrorKind(grpc.StatusCode.FAILED_PRECONDITION, 410),
    "maintenance": ErrorKind(grpc.StatusCode.UNAVAILABLE, 503),
    "unavailable": ErrorKind(grpc.StatusCode.UNAVAILABLE, 503),
    "ocr_unavailable": ErrorKind(grpc.StatusCode.UNAVAILABLE, 503),
    "internal": ErrorKind(grpc.StatusCode.INTERNAL, 500),
}

ERROR_DOMAIN = "openecf.court"


class CourtError(Exception):
    """An expected refusal: a stable code, a message for people, optional details."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, str] | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        if code not in ERROR_KINDS:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.retry_after_seconds = retry_after_seconds

    @property
    def kind(self) -> ErrorKind:
        return ERROR_KINDS[self.code]


class PermanentEventError(Exception):
    """An event that can never be processed: it goes to the dead-letter topic at once."""
