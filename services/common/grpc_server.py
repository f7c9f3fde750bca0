"""Run a gRPC service the one way every service here runs.

Health (grpc.health.v1) and reflection for every registered service, the court
interceptor, ``/metrics``, background workers (outbox relay, consumers), and a
graceful stop on SIGTERM: health NOT_SERVING first so load balancers drain, then
``server.stop(grace)``, then the workers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.balancing import SERVER_OPTIONS
from services.common.identity import NonceGuard, service_verifier
from services.common.interceptors import CallGate, CourtServerInterceptor
from services.common.metrics import start_metrics_server
from services.common.settings import Settings
from services.common.shutdown import stop_on_signals

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
Worker = Callable[[threading.Event], None]


@dataclass
class ServiceSpec:
    name: str  # auth, filing, …
    # Adds the servicers to the server; returns their full service names.
    register: Callable[[grpc.Server], list[str]]
    workers: dict[str, Worker] = field(default_factory=dict)
    gates: list[CallGate] = field(default_factory=list)
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    # Where service tokens are taken once; None keeps the process's own guard only.
    replay: NonceGuard | None = None


class RunningService:
    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.shutdown_requested = threading.Event()  # set by a signal or a dead worker
        self.stop_event = threading.Event()  # tells the workers to stop, after the server
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=settings.grpc_workers),
            interceptors=[
                CourtServerInterceptor(
                    verifier=service_verifier(settings, spec.replay),
                    gates=spec.gates,
                )
            ],
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
                *SERVER_OPTIONS,
            ],
        )
        self.health = health.HealthServicer()
        self._threads: list[threading.Thread] = []

    def start(self) -> int:
        names = self.spec.register(self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        address = f"{self.settings.bind_host}:{self.settings.grpc_port(self.spec.name)}"
        port = self.server.add_insecure_port(address)
        if port == 0:
            raise RuntimeError(f"cannot listen on {address}")
        self.server.start()
        for worker_name, worker in self.spec.workers.items():
            thread = threading.Thread(
                target=self._run_worker, args=(worker_name, worker), name=worker_name, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        for service_name in ["", *names]:
            self.health.set(service_name, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", extra={"address": address, "services": ",".join(names)})
        return port

    def _run_worker(self, worker_name: str, worker: Worker) -> None:
        # A worker that dies takes the service's health with it, so Kubernetes restarts us.
        try:
            worker(self.stop_event)
        except Exception:
            log.exception("worker %s died", worker_name)
            if not self.stop_event.is_set():
                self.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
                self.shutdown_requested.set()

    def stop(self) -> None:
        log.info("stopping", extra={"grace_seconds": self.settings.shutdown_grace_seconds})
        self.health.enter_graceful_shutdown()
        self.server.stop(self.settings.shutdown_grace_seconds).wait()
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout=self.settings.shutdown_grace_seconds + 5)
        for callback in self.spec.on_stop:
            callback()
        log.info("stopped")


def serve(spec: ServiceSpec, settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then stop gracefully."""
    start_metrics_server(
        process=spec.name, host=settings.bind_host, port=settings.metrics_port(spec.name)
    )
    running = RunningService(spec, settings)
    stop_on_signals(running.shutdown_requested)
    running.start()
    while not running.shutdown_requested.wait(0.5):
        pass
    running.stop()
