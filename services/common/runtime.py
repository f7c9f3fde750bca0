"""What every service process builds at start: settings, logs, its pool, Kafka clients,
the outbox relay and its consumers — so each ``server.py`` stays a few lines long."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from kafka import KafkaProducer
from psycopg_pool import ConnectionPool

from services.common.auth_client import remote_resolver
from services.common.commit_signal import CommitSignal
from services.common.consumer import EventConsumer
from services.common.consumer_start import ForgetLagOnRevoke, Handlers
from services.common.db import connect_pool
from services.common.grpc_server import ServiceSpec, Worker, serve
from services.common.kafka import KafkaSecurity, make_consumer, make_producer
from services.common.logs import configure_logging
from services.common.maintenance.follower import follower_worker
from services.common.maintenance.gate import MaintenanceGate
from services.common.nonces import SharedReplayGuard
from services.common.outbox import OUTBOX_PACE_SECONDS, OutboxRelay
from services.common.principal import set_resolver
from services.common.settings import Settings, get_settings

# (generated add_XServicer_to_server, the servicer, its ServiceDescriptor)
Servicer = tuple[Callable[[Any, grpc.Server], None], object, ServiceDescriptor]


@dataclass
class ServiceRuntime:
    name: str
    settings: Settings
    pool: ConnectionPool
    producer: KafkaProducer
    workers: dict[str, Worker] = field(default_factory=dict)

    def add_consumer(self, *, group: str, topics: list[str], handlers: Handlers) -> None:
        """Consume ``topics`` as group ``group``, applying each event type's handler once
        (an ``Act`` only to events after the group first ran)."""
        settings = self.settings

        def run(stop: threading.Event) -> None:
            consumer = EventConsumer(
                name=group,
                consumer=make_consumer(
                    settings.kafka_bootstrap,
                    group_id=group,
                    topics=topics,
                    listener=ForgetLagOnRevoke(group),
                    security=KafkaSecurity.from_settings(settings),
                ),
                pool=self.pool,
                handlers=handlers,
                dead_letters=self.producer,
                max_attempts=settings.consumer_max_attempts,
                backoff_seconds=settings.consumer_backoff_seconds,
            )
            consumer.run(stop)

        self.workers[f"consumer:{group}"] = run

    def serve(self, *servicers: Servicer, on_stop: list[Callable[[], None]] | None = None) -> None:
        """Serve the servicers (with health, reflection, workers) until SIGTERM."""

        def register(server: grpc.Server) -> list[str]:
            for add_to_server, servicer, _ in servicers:
                add_to_server(servicer, server)
            return [descriptor.full_name for _, _, descriptor in servicers]

        spec = ServiceSpec(
            name=self.name,
            register=register,
            workers=self.workers,
            gates=[MaintenanceGate(service=self.name, tz=self.settings.tz)],
            on_stop=[*(on_stop or []), lambda: self.producer.close(timeout=5), self.pool.close],
            replay=SharedReplayGuard(self.pool),
        )
        serve(spec, self.settings)


def build_runtime(name: str, settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or get_settings()
    configure_logging(name, settings.log_level)
    if not settings.kafka_bootstrap:
        raise RuntimeError("OPENECF_KAFKA_BOOTSTRAP is not set")
    pool = connect_pool(
        settings.require_database_url(), schema=name, max_size=settings.database_pool_size
    )
    producer = make_producer(
        settings.kafka_bootstrap,
        client_id=f"openecf-{name}",
        security=KafkaSecurity.from_settings(settings),
    )
    if name != "auth":  # auth resolves sessions from its own tables
        set_resolver(remote_resolver(settings, service=name))
    relay = OutboxRelay(
        pool=pool,
        producer=producer,
        schema=name,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        signal=CommitSignal(
            settings.require_database_url(),
            schema=name,
            table="outbox",
            application_name=f"openecf-{name}-outbox",
            pace_seconds=OUTBOX_PACE_SECONDS,
        ),
    )
    return ServiceRuntime(
        name=name,
        settings=settings,
        pool=pool,
        producer=producer,
        workers={
            "outbox-relay": relay.run,
            "maintenance-follower": follower_worker(settings, process=name),
        },
    )
