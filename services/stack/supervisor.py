"""The whole platform on one machine: real PostgreSQL, Kafka and SMTP, every service.

Used by ``openecf stack up`` (``make run``) and by the tests' session fixture. Children
run in their own sessions so a Ctrl-C reaches only us, and we stop them in order:
the edge, the services, then SMTP, Kafka and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import SecretStr

from services.common.events import TOPIC_CONFIGS
from services.common.identity import generate_keys, private_key_path, public_keys_line
from services.common.kafka import KafkaSecurity
from services.common.maintenance.schedule import WeeklySchedule
from services.common.migrations import migrate
from services.common.settings import PROCESS_NAMES, SERVICE_NAMES, Settings
from services.common.shutdown import DUMP_SIGNAL
from services.stack import bootstrap, stackfile
from services.stack.environment import settings_env
from services.stack.forks import STOP_SECONDS, ChildProcess, ForkServer
from services.stack.kafka import KafkaBroker, ensure_topics, fetch_kafka_jars
from services.stack.leftovers import (
    pids_logging_into,
    process_args,
    stop_leftovers,
    stop_processes,
    wait_gone,
)
from services.stack.ports import Listener, ephemeral_range, ephemeral_warnings, require_free
from services.stack.postgres import EmbeddedPostgres

log = logging.getLogger(__name__)
Announce = Callable[[str], None]
# A service or the scheduler: forked and named by the fork server, or started on its own.
_OPENECF_CHILD = re.compile(
    r"(?:^|/)openecf (?:serve|maintenance) |services\.cli\.main (?:serve|maintenance) "
)


@dataclass
class Child:
    name: str
    argv: list[str]
    log_file: Path
    process: ChildProcess | None = None
    # The process whose identity key it holds (``auth`` for every auth replica).
    identity: str = ""
    # Settings of this replica alone (its own ports) over the stack's.
    overrides: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ReplicaPorts:
    """The ports of one more replica of every service and the edge."""

    grpc: dict[str, int]
    edge: int
    metrics_base: int

    def overrides(self) -> dict[str, object]:
        ports: dict[str, object] = {f"{name}_port": port for name, port in self.grpc.items()}
        return {**ports, "edge_port": self.edge, "metrics_port_base": self.metrics_base}


def offset_ports(settings: Settings, replica: int) -> ReplicaPorts:
    """``openecf stack up --replicas N``: replica k (from 1) listens 100·k ports further up."""
    step = 100 * replica
    return ReplicaPorts(
        grpc={name: settings.grpc_port(name) + step for name in SERVICE_NAMES},
        edge=settings.edge_port + step,
        metrics_base=settings.metrics_port_base + step,
    )


def stop_process(process: ChildProcess, name: str, timeout: float) -> int:
    """SIGTERM, and when it has not stopped after ``timeout``, its threads' stacks into its log
    (SIGUSR1: what it was stuck on, for whoever reads the log) and SIGKILL."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        log.warning(
            "%s did not stop in %ss; its threads are dumped in its log; killing it", name, timeout
        )
        process.send_signal(DUMP_SIGNAL)
        time.sleep(1)  # the dump is written from the signal handler, at once
        process.kill()
        return process.wait()


def replica_name(process: str, replica: int) -> str:
    """``auth`` for the first replica (what one-replica stacks call it), ``auth-2`` after."""
    return process if replica == 0 else f"{process}-{replica + 1}"


@dataclass
class LocalStack:
    settings: Settings
    cache_dir: Path
    announce: Announce = print
    # How the services, the edge and the scheduler are started: this interpreter's `openecf`
    # by default; a test of the built wheel gives that venv's console script (and a cwd
    # outside the checkout, so nothing is imported from the working tree).
    openecf: list[str] = field(default_factory=lambda: [sys.executable, "-m", "services.cli.main"])
    child_cwd: Path | None = None
    # The `openecf` children forked from one set of imports (forks.py); a test whose
    # children run elsewhere (in containers) starts each on its own.
    fork_children: bool = True
    fork_server: ForkServer | None = None
    folder_lock: int | None = None  # stackfile.hold's, while the stack is up
    postgres: EmbeddedPostgres | None = None
    kafka: KafkaBroker | None = None
    children: dict[str, Child] = field(default_factory=dict)
    demo_accounts: list[dict[str, str]] = field(default_factory=list)
    # Processes of every service and edges (the chart's HPA runs several): one database, one
    # broker, and every client's address lists all replicas of the service it calls, so
    # balancing.round_robin spreads the calls. ``replica_ports`` gives the ports of replicas
    # 2…N (default: ``offset_ports``).
    replicas: int = 1
    replica_ports: list[ReplicaPorts] = field(default_factory=list)

    def replica_settings(self) -> list[ReplicaPorts]:
        """The ports of replicas 2…N."""
        given = list(self.replica_ports)
        return [
            given[k - 1] if k - 1 < len(given) else offset_ports(self.settings, k)
            for k in range(1, self.replicas)
        ]

    def replica_names(self, process: str) -> list[str]:
        return [replica_name(process, k) for k in range(self.replicas)]

    def replica_overrides(self) -> list[dict[str, object]]:
        """Each replica's own settings over the stack's: none for the first, ports for 2…N."""
        return [{}, *(r.overrides() for r in self.replica_settings())]

    def listeners(self) -> list[Listener]:
        """Every port the stack's own processes listen on (the broker checks its own)."""
        host = self.settings.bind_host
        found = []
        for k, overrides in enumerate(self.replica_overrides()):
            settings = self.settings.model_copy(update=overrides)
            for process in PROCESS_NAMES:
                name = replica_name(process, k)
                if process == "edge":
                    found.append(Listener(settings.edge_port, name, "OPENECF_EDGE_PORT", host))
                else:
                    port, setting = settings.grpc_port(process), f"OPENECF_{process.upper()}_PORT"
                    found.append(Listener(port, f"{name} gRPC", setting, host))
                port = settings.metrics_port(process)
                found.append(Listener(port, f"{name} metrics", "OPENECF_METRICS_PORT_BASE", host))
        smtp = Listener(
            self.settings.smtp_port, "SMTP sink", "OPENECF_SMTP_PORT", self.settings.smtp_host
        )
        return [*found, smtp]

    @property
    def edge_urls(self) -> list[str]:
        ports = [self.settings.edge_port, *(r.edge for r in self.replica_settings())]
        return [f"http://127.0.0.1:{port}" for port in ports]

    def grpc_addrs(self, service: str) -> list[str]:
        """Every replica's own address (the stack-wide setting lists them all)."""
        ports = [self.settings.grpc_port(service)]
        ports += [r.grpc[service] for r in self.replica_settings()]
        return [f"127.0.0.1:{port}" for port in ports]

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def maildir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    # -- start ---------------------------------------------------------------------------

    def _start_postgres(self) -> dict[str, object]:
        """The embedded PostgreSQL, unless the settings name a database: settings to update."""
        if self.settings.database_url.get_secret_value():
            self.announce("postgres  ready  (external, OPENECF_DATABASE_URL)")
            return {}
        folder = self.data_dir / "postgres"
        self.postgres = EmbeddedPostgres(folder)
        url = self.postgres.start()
        self.announce(f"postgres  ready  (embedded PostgreSQL, data in {folder})")
        return {"database_url": SecretStr(url)}

    def _start_kafka(self) -> dict[str, object]:
        """The local broker, unless the settings name one: settings to update."""
        if self.settings.kafka_bootstrap:
            self.announce(f"kafka     ready  (external, {self.settings.kafka_bootstrap})")
            return {}
        self.kafka = KafkaBroker(
            data_dir=self.data_dir / "kafka",
            jars_dir=fetch_kafka_jars(self.cache_dir),
            port=self.settings.kafka_port,
            controller_port=self.settings.kafka_controller_port,
            log_file=self.log_dir / "kafka.log",
        )
        bootstrap = self.kafka.start()
        self.announce(f"kafka     ready  ({bootstrap}, KRaft, Apache Kafka 4)")
        # Our own broker, on loopback.
        return {"kafka_bootstrap": bootstrap, "kafka_security_protocol": "PLAINTEXT"}

    def _own_addresses(self) -> dict[str, object]:
        """Where the stack's processes reach each other, from the ports they listen on.

        Every client reaches every replica of a service, round robin. The portal's address in
        e-mails follows the edge's port too, unless it was set: a stack whose ports were moved
        (`OPENECF_AUTH_PORT=…`) must not call, or send people to, the default ones.
        """
        addresses: dict[str, object] = {
            f"{service}_addr": ",".join(self.grpc_addrs(service)) for service in SERVICE_NAMES
        }
        if "public_base_url" not in self.settings.model_fields_set:
            addresses["public_base_url"] = self.edge_urls[0]
        return addresses

    def _clear_a_crashed_run(self) -> None:
        """What a supervisor killed outright (kill -9, the OOM killer) left holding this stack's
        ports: its fork server, which saw it go and is stopping the services; the services
        themselves, if the fork server was killed too; and the SMTP sink. (PostgreSQL and Kafka
        stop or adopt their own leftovers as they start.)"""
        crashed = stackfile.left_by_a_dead_supervisor(self.data_dir)
        if crashed is None:  # none, or a live one: whose sink and services are not ours to stop
            return
        if crashed.forks_pid and wait_gone(crashed.forks_pid, "forks", STOP_SECONDS + 5):
            self.announce("the services an earlier run left behind have stopped")
        # Each child writes its own log in this stack's log folder, which names this stack.
        children = {pid: " ".join(process_args(pid)) for pid in pids_logging_into(self.log_dir)}
        ours = [pid for pid, command in children.items() if _OPENECF_CHILD.search(command)]
        for pid in stop_processes(ours, timeout=STOP_SECONDS):
            command = children[pid].strip()
            self.announce(f"stopped `{command}` an earlier run left behind (pid {pid})")
        for pid in stop_leftovers("services.stack.smtp_sink", str(self.maildir)):
            self.announce(f"stopped the SMTP sink an earlier run left behind (pid {pid})")

    def up(self) -> Settings:
        """Start everything; return the settings every child runs with."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.folder_lock = stackfile.hold(self.data_dir)  # before anything else is touched
        started = time.monotonic()
        self._clear_a_crashed_run()
        listeners = self.listeners()
        for warning in ephemeral_warnings(listeners, ephemeral_range()):
            self.announce(warning)
        require_free(listeners)
        if self.fork_children:  # its imports overlap PostgreSQL's and Kafka's start
            self.fork_server = ForkServer(
                self.openecf, self.base_env(), self.child_cwd, self.log_dir / "forks.log"
            )
        updates = {**self._start_postgres(), **self._start_kafka(), **self._own_addresses()}
        self.settings = self.settings.model_copy(update=updates)
        if not self.settings.service_keys_dir:  # an operator's folder is theirs to fill
            generate_keys(self.settings.keys_dir, PROCESS_NAMES)
            # The children get the public keys as settings, as pods do, and each child started
            # on its own gets its own private key (child_env): it need not read the folder, e.g.
            # inside the built image.
            line = public_keys_line(self.settings.keys_dir, PROCESS_NAMES)
            self.settings = self.settings.model_copy(update={"service_public_keys": line})
        ensure_topics(
            self.settings.kafka_bootstrap,
            TOPIC_CONFIGS,
            security=KafkaSecurity.from_settings(self.settings),
        )

        database_url = self.settings.require_database_url()
        stackfile.write(
            self.data_dir,
            stackfile.StackInfo(
                pid=os.getpid(),
                database_url=database_url,
                kafka_bootstrap=self.settings.kafka_bootstrap,
                edge_url=f"http://127.0.0.1:{self.settings.edge_port}",
                forks_pid=self.fork_server.pid if self.fork_server is not None else 0,
            ),
        )
        for service in SERVICE_NAMES:
            migrate(database_url, service)
        self.announce("schemas   ready  (migrations applied: " + ", ".join(SERVICE_NAMES) + ")")
        self.demo_accounts = bootstrap.ensure_demo_accounts(database_url, self.data_dir)

        self._start_child(
            "smtp",
            [
                sys.executable,
                "-m",
                "services.stack.smtp_sink",
                "--host",
                self.settings.smtp_host,
                "--port",
                str(self.settings.smtp_port),
                "--maildir",
                str(self.maildir),
            ],
        )
        for replica, overrides in enumerate(self.replica_overrides()):
            for process in PROCESS_NAMES:
                self._start_child(
                    replica_name(process, replica),
                    [*self.openecf, "serve", process],
                    identity=process,
                    overrides=overrides,
                )
        # The local stand-in for the maintenance CronJobs (Saturday 00:00 on, 05:00 off).
        self._start_child("scheduler", [*self.openecf, "maintenance", "scheduler"])
        self._wait_smtp()
        self.announce(
            f"smtp      ready  (127.0.0.1:{self.settings.smtp_port}, mail kept in {self.maildir})"
        )
        for service in SERVICE_NAMES:
            for name in self.replica_names(service):
                self.wait_ready(name)
                settings = self.child_settings(name)
                self.announce(
                    f"{name:<9} ready  (gRPC 127.0.0.1:{settings.grpc_port(service)}, "
                    f"metrics :{settings.metrics_port(service)})"
                )
        for name in self.replica_names("edge"):
            self.wait_ready(name)
            settings = self.child_settings(name)
            self.announce(
                f"{name:<9} ready  (http://127.0.0.1:{settings.edge_port}, "
                f"metrics :{settings.metrics_port('edge')})"
            )
        self._check_alive("scheduler")
        schedule = WeeklySchedule.from_settings(self.settings).describe()
        self.announce(f"scheduler ready  (maintenance window {schedule})")
        self.announce(f"OpenECF is up in {time.monotonic() - started:.1f}s")
        return self.settings

    def child_settings(self, name: str) -> Settings:
        """The settings a child runs with: the stack's, and its replica's own ports."""
        child = self.children.get(name)
        return self.settings.model_copy(update=child.overrides) if child else self.settings

    def child_env(self, process: str | None = None) -> dict[str, str]:
        """The environment of a child; with ``process`` (a child's name), that replica's
        settings and, for a child started on its own, its process's own identity key (when the
        stack generated the keys). A forked child reads its own key from the folder instead:
        a key handed through the fork server would stay in its memory, which every child forked
        after it inherits."""
        env = self.base_env()
        env.update(settings_env(self.child_settings(process or "")))
        child = self.children.get(process or "")
        identity = child.identity if child and child.identity else process
        generated = not self.settings.service_keys_dir
        if identity in PROCESS_NAMES and generated and not self.fork_children:
            own_key = private_key_path(self.settings.keys_dir, identity).read_text()
            env["OPENECF_SERVICE_PRIVATE_KEY"] = own_key
        return env

    @staticmethod
    def base_env() -> dict[str, str]:
        """This process's environment without its settings: every child's, before its own."""
        return {key: value for key, value in os.environ.items() if not key.startswith("OPENECF_")}

    def _start_child(
        self,
        name: str,
        argv: list[str],
        *,
        identity: str = "",
        overrides: dict[str, object] | None = None,
    ) -> None:
        child = Child(
            name=name,
            argv=argv,
            log_file=self.log_dir / f"{name}.log",
            identity=identity,
            overrides=overrides or {},
        )
        self.children[name] = child
        self._spawn(child)

    def _spawn(self, child: Child) -> None:
        command = len(self.openecf)
        if self.fork_server is not None and child.argv[:command] == self.openecf:
            child.process = self.fork_server.spawn(
                child.argv[command:], self.child_env(child.name), child.log_file, self.child_cwd
            )
            return
        with child.log_file.open("ab") as out:
            child.process = subprocess.Popen(
                child.argv,
                env=self.child_env(child.name),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.child_cwd,
                start_new_session=True,  # a Ctrl-C reaches the supervisor only
            )

    def _check_alive(self, name: str) -> None:
        process = self.children[name].process
        if process is not None and process.poll() is not None:
            tail = self.children[name].log_file.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} exited with {process.returncode}; its log ends:\n{tail}")

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        """Until the child (a service replica or an edge) answers its health check."""
        child = self.children[name]
        if child.identity == "edge":
            self._wait_edge(name, timeout)
        elif child.identity in SERVICE_NAMES:
            self._wait_grpc(name, timeout)

    def _wait_grpc(self, name: str, timeout: float = 60) -> None:
        settings = self.child_settings(name)
        port = settings.grpc_port(self.children[name].identity or name)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)

            def serving() -> bool:
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                except grpc.RpcError:
                    return False
                return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

            self._poll(name, serving, timeout, f"{name} did not become healthy in {timeout:.0f}s")

    def _wait_edge(self, name: str = "edge", timeout: float = 60) -> None:
        url = f"http://127.0.0.1:{self.child_settings(name).edge_port}/readyz"
        with httpx.Client(timeout=2) as client:  # one client (and TLS context) for every look

            def ready() -> bool:
                try:
                    return client.get(url).status_code == 200
                except httpx.HTTPError:
                    return False

            self._poll(name, ready, timeout, f"{name} was not ready in {timeout:.0f}s")

    def _poll(self, name: str, ready: Callable[[], bool], timeout: float, failure: str) -> None:
        """Look every 0.2 s until ``ready``; a child that exits meanwhile fails at once."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive(name)
            if ready():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(failure)
            time.sleep(0.2)

    def _wait_smtp(self, timeout: float = 30) -> None:
        import socket

        deadline = time.monotonic() + timeout
        while True:
            self._check_alive("smtp")
            try:
                with socket.create_connection(("127.0.0.1", self.settings.smtp_port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the SMTP sink did not start") from None
                time.sleep(0.1)

    # -- control -------------------------------------------------------------------------

    def stop_child(self, name: str, timeout: float = 20) -> int | None:
        process = self.children[name].process
        if process is None or process.poll() is not None:
            return process.returncode if process else None
        return stop_process(process, name, timeout)

    def _stop_together(self, names: list[str]) -> None:
        """SIGTERM them all first, then wait for each: one grace period, not one each."""
        for name in names:
            process = self.children[name].process
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name in names:
            self.stop_child(name)

    def restart_child(self, name: str) -> None:
        self.restart_children([name])

    def restart_children(self, names: list[str]) -> None:
        """Stop them together, start them all, then wait until each service answers."""
        self._stop_together(names)
        for name in names:
            self._spawn(self.children[name])
        for name in names:
            if self.children[name].identity in SERVICE_NAMES:
                self._wait_grpc(name)

    def kill_child(self, name: str) -> None:
        """SIGKILL a child (a crash: no shutdown hook runs) and reap it."""
        process = self.children[name].process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def respawn_child(self, name: str) -> None:
        """Start a stopped or killed child again, without waiting for it."""
        self._spawn(self.children[name])

    def restart_lost_parts(self) -> None:
        """Start PostgreSQL or Kafka again if it went away (killed, out of memory): the
        services' pools and Kafka clients reconnect by themselves, and nothing is lost meanwhile
        (the outbox and the consumers' offsets wait)."""
        for name, part in (("PostgreSQL", self.postgres), ("Kafka", self.kafka)):
            if part is not None and not part.is_running:
                self.announce(f"{name} exited; starting it again")
                part.stop()  # what it left: its orphaned processes, its log file
                part.start()
                self.announce(f"{name} started again")

    def down(self) -> None:
        # SIGTERM the edges first, then all services at once, so shutdown takes one grace period.
        edges = [*self.replica_names("edge"), "scheduler"]
        services = [name for service in SERVICE_NAMES for name in self.replica_names(service)]
        try:
            for group in (edges, services, ["smtp"]):
                self._stop_together([name for name in group if name in self.children])
        finally:  # Kafka and PostgreSQL stop even if the fork server was lost meanwhile
            if self.fork_server is not None:
                self.fork_server.close()  # and it stops any child still running
                self.fork_server = None
            if self.kafka is not None:
                self.kafka.stop()
            if self.postgres is not None:
                self.postgres.stop()
            # Last: a supervisor killed while stopping leaves it, and the next start cleans up.
            stackfile.remove(self.data_dir, os.getpid())
            if self.folder_lock is not None:
                stackfile.release(self.folder_lock)
                self.folder_lock = None


def run_forever(stack: LocalStack) -> int:
    """``openecf stack up``: start, print where to go, wait for Ctrl-C, stop cleanly.

    A closed terminal (SIGHUP) stops it as Ctrl-C does: otherwise PostgreSQL, Kafka and the
    SMTP sink, each in a session of its own, would run on and hold the next start's ports."""
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)
    announce = stack.announce

    def say(line: str) -> None:
        with contextlib.suppress(OSError):  # the terminal is gone: stop all the same
            announce(line)

    stack.announce = say
    try:
        settings = stack.up()
        stack.announce("")
        stack.announce(f"  Portal and API:  http://127.0.0.1:{settings.edge_port}/")
        for url in stack.edge_urls[1:]:
            stack.announce(f"  Another edge:    {url}/")
        stack.announce(f"  API reference:   http://127.0.0.1:{settings.edge_port}/docs")
        stack.announce(f"  Mail (Maildir):  {stack.maildir}")
        stack.announce(f"  Logs:            {stack.log_dir}")
        for account in stack.demo_accounts:
            stack.announce(
                f"  Demo {account['role']:<6} username {account['username']:<14}"
                f" password {account['password']}"
            )
        stack.announce("  Ctrl-C stops everything.")
        while not stopping:
            stack.restart_lost_parts()
            for name, child in stack.children.items():
                if child.process is not None and child.process.poll() is not None:
                    stack.announce(f"{name} exited ({child.process.returncode}); restarting it")
                    stack._spawn(child)
            time.sleep(0.5)
    except Exception as exc:
        stack.announce(f"stack failed: {exc}")
        stack.down()
        return 1
    stack.announce("stopping…")
    stack.down()
    stack.announce("stopped")
    return 0
