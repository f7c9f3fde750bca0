"""The edge refuses hostile requests before anything parses them.

An ASGI middleware (below FastAPI's routing, so no body is read before it decides):
- every request body has a limit for its route — small for JSON, the filing limits for
  uploads — checked against Content-Length first and then while the body streams in:
  over it → 413 ``too_large``, the rest is never read;
- a JSON body is parsed here once, with a nesting limit, and refused (422
  ``validation_failed``) when it is not UTF-8, not JSON or too deep, and (422 ``invalid_text``,
  the services' code for the same fault, services/common/text.py) when it carries a NUL in any
  string; FastAPI then reads the same bytes from memory;
- a NUL in the address is ``invalid_text`` too; an undecodable byte in the query string is
  ``validation_failed``.
So no parser error reaches a route as a 500 or a reset connection.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from services.edge.problems import problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_MAX_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
UPLOAD_PATHS = ("/api/v1/filings", "/api/v1/filings/check")


class BadInput(Exception):
    """A request refused before it reaches a route: (code, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def json_depth_ok(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether no array or object in ``raw`` nests deeper than ``limit`` (strings skipped)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def parse_json(raw: bytes, *, what: str = "the request body") -> Any:
    """JSON from untrusted bytes, or BadInput: never a RecursionError or a decode crash."""
    if not json_depth_ok(raw):
        raise BadInput("validation_failed", f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput("validation_failed", f"{what} is not UTF-8") from None
    except ValueError:
        raise BadInput("validation_failed", f"{what} is not valid JSON") from None
    except RecursionError:  # a belt to the depth scan's braces
        raise BadInput("validation_failed", f"{what} nests too deeply") from None
    if _has_nul(value):
        raise BadInput("invalid_text", f"{what} contains a NUL character")
    return value


def body_limit(method: str, path: str, upload_max_bytes: int) -> int:
    """The most bytes a request to ``path`` may send."""
    if method == "POST" and path.rstrip("/") in UPLOAD_PATHS:
        return upload_max_bytes + 1024 * 1024  # the files, plus the multipart framing
    return JSON_MAX_BYTES


def _check_query(scope: Scope) -> None:
    raw = scope.get("query_string", b"") or b""
    decoded = unquote_to_bytes(raw)
    if b"\x00" in decoded or b"\x00" in scope.get("raw_path", b"") or "\x00" in scope["path"]:
        raise BadInput("invalid_text", "the address contains a NUL character")
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("validation_failed", "the query string is not UTF-8") from None


class RequestLimits:
    """ASGI middleware: body limits per route, and early refusal of unparseable input."""

    def __init__(self, app: App, *, upload_max_bytes: int) -> None:
        self.app = app
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"], self.upload_max_bytes)
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", [])}
        try:
            _check_query(scope)
            declared = headers.get("content-length", b"").decode("latin-1").strip()
            if declared.isdigit() and int(declared) > limit:
                raise BadInput("too_large", f"the request body is over {limit} bytes")
            media = headers.get("content-type", b"").decode("latin-1").lower().split(";")[0]
            # FastAPI parses a body without a content type as JSON too.
            if media.strip() in ("", "text/json") or media.strip().endswith("json"):
                raw = await _read_all(receive, limit)
                if raw:
                    parse_json(raw)
                receive = _replay(raw, then=receive)
        except BadInput as refusal:
            await _refuse(scope, send, refusal)
            return
        await _Streamed(self.app, limit).run(scope, receive, send)


class _Streamed:
    """Pass a body through while counting it; past the limit, the route is cut off (it sees
    a disconnect) and whatever it answers is replaced by 413."""

    def __init__(self, app: App, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.seen = 0
        self.refusal: BadInput | None = None
        self.started = False

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            if self.refusal is not None:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                self.seen += len(message.get("body", b""))
                if self.seen > self.limit:
                    self.refusal = BadInput(
                        "too_large", f"the request body is over {self.limit} bytes"
                    )
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if self.refusal is not None and not self.started:
                return  # the route's answer to a body it never got is replaced below
            self.started = self.started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if self.refusal is None or self.started:
                raise
        if self.refusal is not None and not self.started:
            await _refuse(scope, send, self.refusal)


async def _read_all(receive: Receive, limit: int) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body += message.get("body", b"")
        if len(body) > limit:
            raise BadInput("too_large", f"the request body is over {limit} bytes")
        if not message.get("more_body", False):
            break
    return bytes(body)


def _replay(body: bytes, then: Receive | None = None) -> Receive:
    """The body already read, as one message; after it, the real channel (which waits for
    the client to go away: answering "disconnected" at once would cancel the response)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


async def _refuse(scope: Scope, send: Send, refusal: BadInput) -> None:
    response = problem(refusal.code, refusal.message)
    # Close the connection: the unread rest of the body must not be taken for a request.
    response.headers["Connection"] = "close"
    await response(scope, _replay(b""), send)
