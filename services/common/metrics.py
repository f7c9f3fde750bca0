"""The metric catalogue shared by every process, and the ``/metrics`` endpoint.

Names follow the Go and Java gRPC exporters so existing dashboards and alerts apply.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from prometheus_client import Counter, Gauge, Histogram, Info, start_http_server

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

# gRPC server side, per method.
GRPC_STARTED = Counter(
    "grpc_server_started_total", "RPCs started on the server.", ["grpc_service", "grpc_method"]
)
GRPC_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, by status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
GRPC_HANDLING_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC on the server.",
    ["grpc_service", "grpc_method"],
    buckets=LATENCY_BUCKETS,
)
GRPC_ERRORS_BY_REASON = Counter(
    "openecf_grpc_refusals_total",
    "RPCs refused with a domain error, by its stable code.",
    ["grpc_service", "grpc_method", "reason"],
)

# gRPC client side (unary and server-streaming calls alike).
GRPC_CLIENT_STARTED = Counter(
    "grpc_client_started_total",
    "RPCs started by this process as a client.",
    ["grpc_service", "grpc_method"],
)
GRPC_CLIENT_HANDLED = Counter(
    "grpc_client_handled_total",
    "RPCs completed by this process as a client.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
GRPC_CLIENT_HANDLING_SECONDS = Histogram(
    "grpc_client_handling_seconds",
    "Time for an RPC made by this process as a client.",
    ["grpc_service", "grpc_method"],
    buckets=LATENCY_BUCKETS,
)

# The outbox relay.
OUTBOX_PUBLISHED = Counter(
    "openecf_outbox_published_total", "Outbox rows published to Kafka.", ["topic"]
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "openecf_outbox_publish_failures_total", "Failed attempts to publish outbox rows."
)
OUTBOX_BACKLOG = Gauge("openecf_outbox_backlog", "Outbox rows not yet published.")
OUTBOX_OLDEST_AGE = Gauge(
    "openecf_outbox_oldest_unsent_age_seconds", "Age of the oldest unpublished outbox row."
)

# Consumers.
EVENTS_CONSUMED = Counter(
    "openecf_events_consumed_total",
    "Events handled by a consumer, by outcome (applied, duplicate, dead_lettered, retried).",
    ["consumer", "event_type", "outcome"],
)
DEAD_LETTERS = Counter(
    "openecf_dead_letters_total", "Messages sent to the dead-letter topic.", ["consumer", "topic"]
)
CONSUMER_LAG = Gauge(
    "openecf_kafka_consumer_lag",
    "Messages behind the partition's high-water mark.",
    ["consumer", "topic", "partition"],
)
EVENT_HANDLING_SECONDS = Histogram(
    "openecf_event_handling_seconds",
    "Time to apply one event.",
    ["consumer", "event_type"],
    buckets=LATENCY_BUCKETS,
)

# Maintenance (every process; the two gauges are computed at scrape time).
MAINTENANCE_ACTIVE = Gauge(
    "openecf_maintenance_active", "1 while this process enforces a maintenance window, else 0."
)
MAINTENANCE_REFUSED = Counter(
    "openecf_maintenance_refused_total",
    "Calls refused because the court is closed for maintenance.",
    ["service", "method"],
)
MAINTENANCE_NEXT_WINDOW_SECONDS = Gauge(
    "openecf_maintenance_next_window_seconds",
    "Seconds until the next scheduled maintenance window starts (0 while one is in progress).",
)

BUILD_INFO = Info("openecf_build", "The running OpenECF build.")


def _package_version() -> str:
    try:
        return version("openecf")
    except PackageNotFoundError:
        return "0.0.0+unknown"


def start_metrics_server(*, process: str, host: str, port: int) -> None:
    """Serve ``/metrics`` on its own port (a thread), labelled with the build."""
    BUILD_INFO.info({"version": _package_version(), "process": process})
    start_http_server(port, addr=host)
