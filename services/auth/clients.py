"""Who is on the other end of a request, for throttling and rate limits.

The edge forwards the HTTP client's address (``CLIENT_ADDRESS`` metadata); it is believed only
from the edge's verified service identity. Any other caller is known by its gRPC peer.
"""

from __future__ import annotations

import grpc

from services.common.grpc_client import CLIENT_ADDRESS
from services.common.identity import current_caller


def client_of(context: grpc.ServicerContext) -> str:
    if current_caller().service == "edge":
        for key, value in context.invocation_metadata() or ():
            if key == CLIENT_ADDRESS and isinstance(value, str) and value:
                return value[:100]
    peer = context.peer() or "unknown"
    # "ipv4:127.0.0.1:5123" → "ipv4:127.0.0.1": the port changes with every connection.
    return peer.rsplit(":", 1)[0] if peer.count(":") >= 2 else peer
