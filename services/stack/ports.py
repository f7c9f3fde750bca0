"""The local stack's listening ports, checked before anything starts: a port another program
holds is one clear line naming the setting that moves it, not a child's traceback after
PostgreSQL and Kafka are already up."""

from __future__ import annotations

import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Listener:
    """A port one of the stack's processes will listen on, and how an operator moves it."""

    port: int
    what: str  # "filing gRPC", "edge-2 metrics"
    setting: str  # "OPENECF_FILING_PORT"
    host: str = "127.0.0.1"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # The servers bind with SO_REUSEADDR too, so sockets in TIME_WAIT from a previous run
        # do not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class PortInUse(RuntimeError):
    def __init__(self, listener: Listener) -> None:
        super().__init__(
            f"port {listener.host}:{listener.port} ({listener.what}) is already in use: stop "
            f"what listens there, or move it with {listener.setting}"
        )


def require_free(listeners: list[Listener]) -> None:
    for listener in listeners:
        if not port_is_free(listener.port, listener.host):
            raise PortInUse(listener)
