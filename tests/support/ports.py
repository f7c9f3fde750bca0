"""Free loopback ports, so a test stack runs beside a developer's `make run`.

A port is free when we look, not when the process that gets it binds it, so every port handed
out is remembered: a later call never returns one this process already gave to a stack. Ports
come from below the kernel's ephemeral range: one from inside it may become the local port of
an outgoing connection (a Kafka client, say) before the service that was given it binds it.
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

_given: set[int] = set()
_lock = threading.Lock()


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _below_ephemeral() -> range:
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return range(max(10000, low - 12000), low - 10)


_candidates = _below_ephemeral()
_rng = random.Random()


def _any_free() -> int:
    for _ in range(1000):
        port = _rng.choice(_candidates)
        if _bindable(port):
            return port
    raise RuntimeError("no free port below the ephemeral range")


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
