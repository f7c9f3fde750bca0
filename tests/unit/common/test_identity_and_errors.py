from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2

from services.common.errors import ERROR_KINDS, CourtError
from services.common.identity import bearer_token, sign_service_token, verify_service_token
from services.common.interceptors import court_status

SECRET = "k" * 64


def test_a_service_token_verifies_only_when_genuine_and_fresh() -> None:
    token = sign_service_token("filing", SECRET, now=1_000_000)
    assert verify_service_token(token, SECRET, now=1_000_010) == "filing"
    assert verify_service_token(token, SECRET, now=1_000_000 + 301) is None  # stale
    assert verify_service_token(token, "other-secret", now=1_000_010) is None
    forged = token.replace("filing", "access", 1)
    assert verify_service_token(forged, SECRET, now=1_000_010) is None
    assert verify_service_token("garbage", SECRET) is None
    assert verify_service_token(token, "", now=1_000_010) is None  # no key: nobody verifies


def test_signing_without_a_secret_is_refused() -> None:
    with pytest.raises(RuntimeError):
        sign_service_token("filing", "")


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer ", None),
        (None, None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_every_code_has_an_http_status_and_unknown_codes_are_bugs() -> None:
    assert ERROR_KINDS["maintenance"].http_status == 503
    assert ERROR_KINDS["account_locked"].http_status == 423
    with pytest.raises(ValueError):
        CourtError("no_such_code", "x")


def test_a_court_error_becomes_a_status_with_reason_and_retry_info() -> None:
    status = court_status(
        CourtError("maintenance", "closed", details={"until": "x"}, retry_after_seconds=90)
    )
    assert status.code == grpc.StatusCode.UNAVAILABLE.value[0]
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(info) and info.reason == "maintenance"
    assert info.metadata["until"] == "x"
    assert status.details[1].Unpack(retry) and retry.retry_delay.seconds == 90
