"""Free loopback ports, so a test stack runs beside a developer's `make run`.

A port is free when we look, not when the process that gets it binds it, so every port handed
out is remembered: a later call never returns one this process already gave to a stack.
"""

from __future__ import annotations

import socket
import threading

_given: set[int] = set()
_lock = threading.Lock()


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _any_free() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port() -> int:
    with _lock:
        while True:
            port = _any_free()
            if port not in _given:
                _given.add(port)
                return port


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free ports."""
    with _lock:
        for _ in range(200):
            base = _any_free()
            run = range(base, base + count)
            if base + count < 65535 and not _given.intersection(run) and all(map(_bindable, run)):
                _given.update(run)
                return base
    raise RuntimeError(f"no run of {count} free ports")
