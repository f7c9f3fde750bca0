"""Free loopback ports, so a test stack runs beside a developer's `make run`.

A port is free when we look, not when the process that gets it binds it, so every port handed
out is remembered: a later call never returns one this process already gave to a stack. Ports
come from below the kernel's ephemeral range: one from inside it may become the local port of
an outgoing connection (a Kafka client, say) before the service that was given it binds it.
Under pytest-xdist each worker runs a stack of its own and takes ports only from its own blocks
of 64, so two workers never pick the same port between looking and binding.
"""

from __future__ import annotations

import os
import random
import socket
import threading

from services.stack.ports import ephemeral_range

_given: set[int] = set()
_lock = threading.Lock()


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_BLOCK = 64
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def _mine(port: int) -> bool:
    return (port // _BLOCK) % _WORKERS == _WORKER


def _below_ephemeral() -> list[int]:
    low = ephemeral_range().start
    return [port for port in range(max(10000, low - 12000), low - 10) if _mine(port)]


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
        for _ in range(2000):
            base = _any_free()
            run = range(base, base + count)
            if (
                base + count < 65535
                and all(map(_mine, run))
                and not _given.intersection(run)
                and all(map(_bindable, run))
            ):
                _given.update(run)
                return base
    raise RuntimeError(f"no run of {count} free ports")
