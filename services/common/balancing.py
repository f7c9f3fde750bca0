"""Spreading calls over a service's replicas: the client picks, per call, round robin.

A ClusterIP Service gives one virtual address, and a gRPC channel to it keeps one HTTP/2
connection: every call from a pod goes to the one replica it first reached, and replicas the
autoscaler adds get nothing. So clients resolve every replica's address themselves (a headless
Service's DNS name, or a list of addresses for the local stack) and balance round robin;
servers end connections after ``MAX_CONNECTION_AGE_MS`` so clients look again and find new
replicas.
"""

from __future__ import annotations

import ipaddress
import json

ROUND_ROBIN = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
# A replica that restarts (a deploy, a crash) is reached again within a second: gRPC's default
# backoff grows to two minutes, each of them a 503 at the edge.
RECONNECT: list[tuple[str, object]] = [
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


def client_options(address: str) -> list[tuple[str, object]]:
    """Round robin where there can be several replicas (a DNS name, a list of addresses).

    One fixed address keeps gRPC's pick_first: it reconnects the moment a call needs it,
    where round robin would answer UNAVAILABLE until its next reconnect attempt.
    """
    several = channel_target(address).startswith(("dns:", "ipv4:", "ipv6:"))
    return [*RECONNECT, *([("grpc.service_config", ROUND_ROBIN)] if several else [])]


MAX_CONNECTION_AGE_MS = 5 * 60 * 1000
SERVER_OPTIONS = [
    ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
    ("grpc.max_connection_age_grace_ms", 30 * 1000),  # calls in flight finish
]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def channel_target(address: str) -> str:
    """A gRPC target for ``host:port`` or ``ip:port,ip:port,…`` (several replicas).

    A host name resolves through DNS to all its addresses (a headless Service lists every
    ready pod); IP literals are used as given.
    """
    parts = [part.strip() for part in address.split(",") if part.strip()]
    if len(parts) > 1:
        hosts = [part.rsplit(":", 1)[0] for part in parts]
        if not all(_is_ip(host) for host in hosts):
            raise ValueError(f"{address!r}: several addresses must all be IP literals")
        scheme = "ipv6" if any(":" in host.strip("[]") for host in hosts) else "ipv4"
        return f"{scheme}:{','.join(parts)}"
    (only,) = parts
    host = only.rsplit(":", 1)[0]
    return only if _is_ip(host) else f"dns:///{only}"
