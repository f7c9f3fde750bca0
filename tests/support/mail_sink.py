"""The project's real SMTP sink on a free port, and a relay setting that points notify at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.notify.smtp import SmtpRelay
from services.stack.smtp_sink import SmtpSink
from support.ports import free_port


def started_sink(maildir: Path) -> SmtpSink:
    sink = SmtpSink(host="127.0.0.1", port=free_port(), maildir=maildir)
    sink.start()
    return sink


@contextmanager
def running_sink(maildir: Path) -> Iterator[SmtpSink]:
    sink = started_sink(maildir)
    try:
        yield sink
    finally:
        sink.stop()


def relay_for(sink: SmtpSink, timeout_seconds: float = 5) -> SmtpRelay:
    """Plain SMTP to the sink, no login."""
    return SmtpRelay(
        host="127.0.0.1",
        port=sink.port,
        starttls=False,
        username="",
        password="",
        sender="ecf-noreply@court.example",
        timeout_seconds=timeout_seconds,
    )
