"""The local stack's listening ports, checked before anything starts: a port another program
holds is one clear line naming the setting that moves it, not a child's traceback after
PostgreSQL and Kafka are already up."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

# Linux's range for the local ends of outgoing connections, and its default.
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LINUX_EPHEMERAL = range(32768, 61000)


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


def ephemeral_range(source: Path = EPHEMERAL_RANGE_FILE) -> range:
    """The ports the kernel hands to outgoing connections (Linux's default if it cannot say)."""
    try:
        low, high = map(int, source.read_text().split())
    except (OSError, ValueError):
        return LINUX_EPHEMERAL
    return range(low, high + 1)


def ephemeral_warnings(listeners: list[Listener], ephemeral: range) -> list[str]:
    """A line for each port an outgoing connection may take before its process binds it."""
    return [
        f"warning: port {listener.port} ({listener.what}) lies in the kernel's range for "
        f"outgoing connections ({ephemeral.start}-{ephemeral.stop - 1}), which may take it "
        f"first; move it below {ephemeral.start} with {listener.setting}"
        for listener in listeners
        if listener.port in ephemeral
    ]
