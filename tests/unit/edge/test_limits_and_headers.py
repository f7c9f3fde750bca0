"""The edge's early refusals and headers, as pure logic (the live edge: test_hostile_inputs)."""

from __future__ import annotations

import asyncio

import pytest
from starlette.datastructures import MutableHeaders

from services.edge import headers
from services.edge.limits import (
    JSON_MAX_BYTES,
    BadInput,
    _replay,
    body_limit,
    json_depth_ok,
    parse_json,
)


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        (b"[" * 60_000, False),
        (b"[" * 32 + b"]" * 32, True),
        (b"[" * 33 + b"]" * 33, False),
        (b'{"a": "' + b"[" * 100 + b'"}', True),  # brackets inside a string do not nest
        (b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', True),
    ],
)
def test_json_depth(raw: bytes, ok: bool) -> None:
    assert json_depth_ok(raw) is ok


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"[" * 60_000, "validation_failed"),
        (b'{"u": "\xff"}', "validation_failed"),
        (b"{nope", "validation_failed"),
        (b'{"u": "a\\u0000b"}', "invalid_text"),
        (b'{"a\\u0000": 1}', "invalid_text"),
    ],
)
def test_unparseable_or_nul_json_is_bad_input_never_a_crash(raw: bytes, code: str) -> None:
    with pytest.raises(BadInput) as refused:
        parse_json(raw)
    assert refused.value.code == code


def test_parse_json_gives_the_value() -> None:
    assert parse_json(b'{"a": [1, {"b": "c"}]}') == {"a": [1, {"b": "c"}]}


def test_body_limits_by_route() -> None:
    upload = 60 * 2**20
    assert body_limit("POST", "/api/v1/sessions", upload) == JSON_MAX_BYTES
    assert body_limit("POST", "/api/v1/filings", upload) > upload
    assert body_limit("POST", "/api/v1/filings/check", upload) > upload
    assert body_limit("GET", "/api/v1/filings", upload) == JSON_MAX_BYTES


def test_headers_by_kind_of_route() -> None:
    api = MutableHeaders()
    headers.apply("/api/v1/accounts/me", api)
    assert api["cache-control"] == "no-store" and api["referrer-policy"] == "no-referrer"
    document = MutableHeaders({"Cache-Control": "private, no-store"})
    headers.apply("/api/v1/documents/x", document)
    assert document["cache-control"] == "private, no-store"  # a route's own choice stays
    page = MutableHeaders({"Cache-Control": "no-cache"})
    headers.apply("/reset-password", page)
    assert page["cache-control"] == "no-store"
    public = MutableHeaders({"Cache-Control": "no-cache"})
    headers.apply("/", public)
    assert public["cache-control"] == "no-cache"


def test_a_replayed_body_then_waits_on_the_real_channel() -> None:
    """After the body, receive() must wait for the client, not claim it left: a premature
    'disconnect' makes Starlette cancel a streamed response."""
    calls: list[str] = []

    async def real() -> dict[str, object]:
        calls.append("real")
        return {"type": "http.disconnect"}

    async def scenario() -> tuple[object, object]:
        receive = _replay(b"{}", then=real)
        return await receive(), await receive()

    first, second = asyncio.run(scenario())
    assert first == {"type": "http.request", "body": b"{}", "more_body": False}
    assert second == {"type": "http.disconnect"} and calls == ["real"]
