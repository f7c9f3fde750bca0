"""Background workers that every service builds the same way."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from services.common.grpc_server import Worker

log = logging.getLogger(__name__)


def every(seconds: float, task: Callable[[], None], *, name: str) -> Worker:
    """A worker that runs ``task`` now and then every ``seconds`` until stopped.

    A failing round is logged and the next one tries again: a gauge that cannot be
    refreshed must not take the service down with it.
    """

    def run(stop: threading.Event) -> None:
        while True:
            try:
                task()
            except Exception:
                log.exception("%s failed", name)
            if stop.wait(seconds):
                return

    return run
