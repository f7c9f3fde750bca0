"""The edge process: uvicorn serving the FastAPI app, plus ``/metrics``."""

from __future__ import annotations

import uvicorn

from services.common.clock import system_clock
from services.common.logs import configure_logging
from services.common.maintenance.follower import VIEW, follow_in_background
from services.common.metrics import start_metrics_server
from services.common.settings import get_settings
from services.common.shutdown import dump_threads_on_signal
from services.edge.app import create_app
from services.edge.clients import connect
from services.edge.refusals import RefusalReporter, auth_sender


def main() -> None:
    settings = get_settings()
    configure_logging("edge", settings.log_level)
    dump_threads_on_signal()  # uvicorn answers SIGTERM itself
    start_metrics_server(
        process="edge", host=settings.bind_host, port=settings.metrics_port("edge")
    )
    clients = connect(settings)
    stop_following = follow_in_background(settings, process="edge")
    # Refusals inside the maintenance window are the window, not a technical failure.
    refusals = RefusalReporter(
        send=auth_sender(clients.channels["auth"]),
        closed=lambda: VIEW.state().in_force(system_clock.now()),
    )
    refusals.start()
    try:
        uvicorn.run(
            create_app(clients, refusals),
            host=settings.bind_host,
            port=settings.edge_port,
            proxy_headers=True,
            forwarded_allow_ips=settings.trusted_proxies,
            log_config=None,  # keep our JSON logs
            access_log=False,
            timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        )
    finally:
        stop_following()
        clients.close()
