"""Start the real local stack for a test session."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from services.common.settings import SERVICE_NAMES, Settings
from services.stack.local_tools import machine_cache
from services.stack.supervisor import LocalStack, ReplicaPorts
from support.api import remember_maildir
from support.ports import free_port, free_port_run

COURT_TZ = ZoneInfo("America/Los_Angeles")  # the zone of the test stacks (the default)

REPO = Path(__file__).resolve().parents[2]
JAR_CACHE = machine_cache()  # the jars, as `make run` keeps them: once per machine
log = logging.getLogger("test-stack")


def court_today() -> date:
    """The court's date now: what "today" means to it (not this machine's UTC date; from
    midnight UTC until midnight Pacific they differ)."""
    return datetime.now(COURT_TZ).date()


def stack_settings(data_dir: Path) -> Settings:
    ports = {f"{name}_port": free_port() for name in SERVICE_NAMES}
    return Settings(
        data_dir=data_dir,
        database_url=SecretStr(""),
        kafka_bootstrap="",
        edge_port=free_port(),
        metrics_port_base=free_port_run(6),
        smtp_port=free_port(),
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        court_timezone=COURT_TZ.key,
        shutdown_grace_seconds=3,
        # Every test client is 127.0.0.1: the per-client mail limit would count the whole suite.
        token_mails_per_client_hour=100000,
        login_client_threshold=1_000_000,
        # OWASP's argon2id minimum instead of RFC 9106's profile: the suite hashes and checks
        # about 600 passwords a stack, at an eighth of the CPU each (`make run` and the
        # first-run test keep the default).
        argon2_profile="owasp-minimum",
        # The weekly maintenance window three days from now: a test session never runs into
        # it (on a real Saturday night the stack's scheduler would close the court).
        maintenance_day=(datetime.now(COURT_TZ).weekday() + 3) % 7,
        **ports,
    )


def replica_ports() -> ReplicaPorts:
    """Free ports for one more replica of every service and the edge."""
    return ReplicaPorts(
        grpc={name: free_port() for name in SERVICE_NAMES},
        edge=free_port(),
        metrics_base=free_port_run(6),
    )


def start_stack(
    data_dir: Path, *, replicas: int = 1, overrides: dict[str, object] | None = None
) -> LocalStack:
    """The stack with ``replicas`` processes of every service and the edge; ``overrides``
    change settings for this stack alone."""
    settings = stack_settings(data_dir).model_copy(update=overrides or {})
    stack = LocalStack(
        settings=settings,
        cache_dir=JAR_CACHE,
        announce=log.info,
        replicas=replicas,
        replica_ports=[replica_ports() for _ in range(replicas - 1)],
    )
    try:
        stack.up()
    except BaseException:
        stack.down()
        raise
    for url in stack.edge_urls:  # every edge replica's registrations mail the same sink
        remember_maildir(urlsplit(url).port or 0, stack.maildir)
    return stack
