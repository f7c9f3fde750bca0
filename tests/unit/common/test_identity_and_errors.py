from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2

from services.common.errors import ERROR_KINDS, CourtError
from services.common.identity import bearer_token
from services.common.interceptors import court_status


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
