"""A port another program holds stops `make run` before anything starts, in one line that names
the port, whose it is and the setting that moves it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.ports import free_port
from support.stack import stack_settings

from services.common.settings import PROCESS_NAMES, SERVICE_NAMES, Settings
from services.stack import stackfile
from services.stack.kafka import KafkaBroker
from services.stack.leftovers import process_args
from services.stack.ports import (
    LINUX_EPHEMERAL,
    PortInUse,
    ephemeral_range,
    ephemeral_warnings,
    port_is_free,
)
from services.stack.supervisor import LocalStack

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port with another program's listener on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_held_port_is_busy_and_a_closed_one_is_free(held_port: int) -> None:
    assert not port_is_free(held_port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as gone:
        gone.bind(("127.0.0.1", 0))
        port = gone.getsockname()[1]
    assert port_is_free(port)


def test_the_stack_checks_every_port_its_processes_listen_on(tmp_path: Path) -> None:
    stack = LocalStack(settings=stack_settings(tmp_path), cache_dir=tmp_path, replicas=2)
    second = stack.replica_settings()[0]
    expected = {int(addr.rsplit(":", 1)[1]) for s in SERVICE_NAMES for addr in stack.grpc_addrs(s)}
    expected |= {int(url.rsplit(":", 1)[1]) for url in stack.edge_urls}
    for base in (stack.settings.metrics_port_base, second.metrics_base):
        expected |= {base + k for k in range(len(PROCESS_NAMES))}
    expected.add(stack.settings.smtp_port)
    checked = [listener.port for listener in stack.listeners()]
    assert sorted(checked) == sorted(expected)  # each once, none left out


def test_stack_up_names_the_held_port_and_its_setting_before_starting_anything(
    tmp_path: Path, held_port: int
) -> None:
    settings = stack_settings(tmp_path).model_copy(update={"filing_port": held_port})
    announced: list[str] = []
    stack = LocalStack(settings=settings, cache_dir=tmp_path, announce=announced.append)
    with pytest.raises(PortInUse) as refused:
        stack.up()
    assert str(refused.value) == (
        f"port 127.0.0.1:{held_port} (filing gRPC) is already in use: stop what listens "
        "there, or move it with OPENECF_FILING_PORT"
    )
    # The kernel chose the held port from its range for outgoing connections (bind to port 0).
    ephemeral = ephemeral_range()
    assert held_port in ephemeral
    assert announced == [
        f"warning: port {held_port} (filing gRPC) lies in the kernel's range for outgoing "
        f"connections ({ephemeral.start}-{ephemeral.stop - 1}), which may take it first; move "
        f"it below {ephemeral.start} with OPENECF_FILING_PORT"
    ]
    assert stack.postgres is None and stack.kafka is None and not stack.children
    assert not (tmp_path / "postgres").exists()


def _forked_service(log: Path) -> subprocess.Popen[bytes]:
    """A process named as the fork server names a service, writing its log to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    names_itself = (
        "import setproctitle, time; setproctitle.setproctitle('openecf serve auth'); time.sleep(60)"
    )
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-c", names_itself], stdout=out)
    deadline = time.monotonic() + 30
    while process_args(process.pid) != ["openecf serve auth"] and time.monotonic() < deadline:
        time.sleep(0.05)
    return process


@pytest.mark.parametrize("supervisor", ["alive", "killed"])
def test_the_sink_and_services_of_an_earlier_run_are_stopped_only_if_its_supervisor_is_gone(
    tmp_path: Path, held_port: int, supervisor: str
) -> None:
    """Its services too, when its fork server was killed with it: known by their logs."""
    settings = stack_settings(tmp_path).model_copy(update={"filing_port": held_port})
    announced: list[str] = []
    stack = LocalStack(settings=settings, cache_dir=tmp_path, announce=announced.append)
    sleeps = "import time; time.sleep(60)"
    sink = subprocess.Popen(
        [sys.executable, "-c", sleeps, "services.stack.smtp_sink", "--maildir", str(stack.maildir)]
    )
    service = _forked_service(stack.log_dir / "auth.log")
    another_stacks = _forked_service(tmp_path / "elsewhere" / "logs" / "auth.log")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    writer = os.getpid() if supervisor == "alive" else gone.pid
    info = stackfile.StackInfo(writer, "postgresql://stack@/openecf", "", "http://127.0.0.1:1")
    stackfile.write(stack.data_dir, info)
    time.sleep(0.3)  # the sink has started
    try:
        with pytest.raises(PortInUse):  # the held port: nothing of this stack starts
            stack.up()
        if supervisor == "alive":  # a second `make run` beside the first leaves it alone
            assert sink.poll() is None and service.poll() is None
            assert not any("earlier run" in line for line in announced)
        else:
            assert sink.wait(timeout=10) == -signal.SIGTERM
            assert service.wait(timeout=10) == -signal.SIGTERM
            said = f"stopped the SMTP sink an earlier run left behind (pid {sink.pid})"
            assert said in announced
            said = f"stopped `openecf serve auth` an earlier run left behind (pid {service.pid})"
            assert said in announced
        assert another_stacks.poll() is None
    finally:
        for process in (sink, service, another_stacks):
            process.kill()
            process.wait()


def test_openecf_stack_up_with_a_held_port_is_one_line_and_exit_1(
    tmp_path: Path, held_port: int
) -> None:
    settings = stack_settings(tmp_path / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENECF_")}
    env |= {
        "OPENECF_DATA_DIR": str(tmp_path / "data"),
        "OPENECF_EDGE_PORT": str(held_port),
        "OPENECF_SMTP_PORT": str(settings.smtp_port),
        "OPENECF_METRICS_PORT_BASE": str(settings.metrics_port_base),
        **{f"OPENECF_{s.upper()}_PORT": str(settings.grpc_port(s)) for s in SERVICE_NAMES},
    }
    run = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "stack", "up"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert f"stack failed: port 127.0.0.1:{held_port} (edge) is already in use" in run.stdout
    assert "OPENECF_EDGE_PORT" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_the_broker_names_its_held_port_and_setting(tmp_path: Path, held_port: int) -> None:
    jars = tmp_path / "jars"
    jars.mkdir()
    (jars / "kafka_2.13-4.3.0.jar").touch()  # its start looks for the jars before the ports
    broker = KafkaBroker(
        data_dir=tmp_path / "kafka",
        jars_dir=jars,
        port=held_port,
        controller_port=free_port(),
        log_file=tmp_path / "kafka.log",
    )
    with pytest.raises(PortInUse, match=f"127.0.0.1:{held_port} \\(Kafka\\).*OPENECF_KAFKA_PORT"):
        broker.start()
    assert not broker.is_running


def test_the_default_ports_lie_below_the_range_outgoing_connections_take(tmp_path: Path) -> None:
    # 50051 to 50055, the defaults before, lay inside it: two fresh `make run` starts in
    # fourteen failed because a connection held the filing or the notify port.
    defaults = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    stack = LocalStack(settings=defaults, cache_dir=tmp_path)
    ports = [listener.port for listener in stack.listeners()]
    ports += [stack.settings.kafka_port, stack.settings.kafka_controller_port]
    assert max(ports) < LINUX_EPHEMERAL.start
    assert ephemeral_warnings(stack.listeners(), LINUX_EPHEMERAL) == []


def test_the_ephemeral_range_is_the_kernels_or_linuxs_default(tmp_path: Path) -> None:
    tuned = tmp_path / "ip_local_port_range"
    tuned.write_text("1024\t65535\n")
    assert ephemeral_range(tuned) == range(1024, 65536)
    assert ephemeral_range(tmp_path / "missing") == LINUX_EPHEMERAL
    tuned.write_text("garbage\n")
    assert ephemeral_range(tuned) == LINUX_EPHEMERAL
