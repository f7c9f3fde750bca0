"""Free loopback ports, so a test stack runs beside a developer's `make run`."""

from __future__ import annotations

import socket


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free ports."""
    for _ in range(200):
        base = free_port()
        if base + count < 65535 and all(_bindable(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no run of {count} free ports")
