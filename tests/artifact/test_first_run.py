"""A court's first steps, exactly as the README gives them, on a fresh clone.

`make run` in a new clone (no .venv, no .openecf, no OPENECF_* settings but the ports, moved so
it runs beside another stack), the README's `openecf` commands beside it with no environment at
all, then Ctrl-C: every process it started is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from support.api import message_text
from support.ports import free_port, free_port_run

from services.common.settings import SERVICE_NAMES
from services.stack.leftovers import pids_with_args
from services.stack.smtp_sink import read_messages

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.stack


def _git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def fresh_clone(target: Path) -> Path:
    """A clone of this repository with the working tree's uncommitted edits on top (in CI the
    tree is clean, so this is exactly a clone of main)."""
    _git("clone", "--quiet", str(REPO), str(target))
    changed = _git("ls-files", "--modified", "--others", "--exclude-standard", "-z").split("\0")
    for name in filter(None, changed):
        source, copy = REPO / name, target / name
        if source.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
    for name in filter(None, _git("ls-files", "--deleted", "-z").split("\0")):
        (target / name).unlink(missing_ok=True)
    return target


def moved_ports() -> dict[str, str]:
    """Only the ports: the addresses the processes reach each other at, and the portal's in
    e-mails, follow them."""
    env = {f"OPENECF_{name.upper()}_PORT": str(free_port()) for name in SERVICE_NAMES}
    env |= {
        "OPENECF_EDGE_PORT": str(free_port()),
        "OPENECF_METRICS_PORT_BASE": str(free_port_run(6)),
        "OPENECF_SMTP_PORT": str(free_port()),
        "OPENECF_KAFKA_PORT": str(free_port()),
        "OPENECF_KAFKA_CONTROLLER_PORT": str(free_port()),
    }
    return env


def clean_env() -> dict[str, str]:
    drop = ("OPENECF_", "VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def processes_under(folder: Path) -> list[str]:
    """Live processes whose command line or working directory is inside ``folder``."""
    found = []
    needle = str(folder)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if needle in args or cwd.startswith(needle):
            found.append(f"{entry.name}: {args[:200]}")
    return found


def make_run(clone: Path, ports: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    """`make run` in its own process group, like a terminal's foreground job, and the lines it
    prints (read by a thread); returns once it is ready."""
    output: list[str] = []
    make = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=clean_env() | ports,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    threading.Thread(target=lambda: output.extend(make.stdout or []), daemon=True).start()
    deadline = time.monotonic() + 1200
    while not any("OpenECF is up" in line for line in output):
        if make.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(make.pid, signal.SIGKILL)
            raise AssertionError("make run not ready:\n" + "".join(output[-60:]))
        time.sleep(0.5)
    return make, output


def stop(make: subprocess.Popen[str], signum: int) -> None:
    """Send ``signum`` to `make run`'s whole group, as a terminal does; wait for it."""
    if make.poll() is None:
        os.killpg(make.pid, signum)
    try:
        make.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(make.pid, signal.SIGKILL)
        raise


def nothing_left_under(clone: Path) -> None:
    leftovers: list[str] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        leftovers = processes_under(clone)
        if not leftovers:
            break
        time.sleep(0.5)
    assert leftovers == [], leftovers


@pytest.mark.timeout(1500)
def test_make_run_on_a_fresh_clone_then_the_readme_commands_then_ctrl_c(
    tmp_path: Path,
) -> None:
    """Then, in the same clone, `make run` starts again after a crash and a closed terminal."""
    clone = fresh_clone(tmp_path / "openecf")
    ports = moved_ports()
    make, output = make_run(clone, ports)
    try:
        assert (clone / ".openecf" / "stack.json").exists()
        # Nothing on the way up that an operator would have to read and judge.
        warned = [line for line in output if "Warning:" in line]
        assert warned == [], "".join(output)
        # `make run` installs the platform and its stack, not the tests' and linters' tools.
        assert (clone / ".venv" / "bin" / "openecf").exists()
        assert not (clone / ".venv" / "bin" / "pytest").exists()
        # The Kafka jars come from the machine's cache, not a copy of the clone's own.
        assert not (clone / ".openecf" / "cache").exists()

        def openecf(
            *args: str, stdin: str | None = None, cwd: Path = clone
        ) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(clone / ".venv" / "bin" / "openecf"), *args],
                cwd=cwd,
                env=clean_env(),  # nothing set: the command finds the local stack by itself
                input=stdin,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )

        status = openecf("maintenance", "status")
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith("maintenance: off"), status.stdout
        below = openecf("maintenance", "status", cwd=clone / "deploy" / "helm")  # as git does
        assert below.returncode == 0, below.stderr
        assert below.stdout.startswith("maintenance: off"), below.stdout
        upcoming = openecf("maintenance", "next")
        assert upcoming.returncode == 0 and "UTC" in upcoming.stdout, upcoming.stderr
        created = openecf(
            "account", "create", "--role", "clerk", "--username", "first-clerk",
            "--password", "a long and unusual passphrase 42", "--email", "clerk@court.example",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        assert created.stdout.startswith("created clerk account first-clerk"), created.stdout
        again = openecf(
            "account", "create", "--role", "clerk", "--username", "first-clerk",
            "--password-stdin", "--email", "clerk@court.example",
            stdin="a long and unusual passphrase 42\n",
        )  # fmt: skip
        assert again.returncode == 1
        assert again.stderr.startswith("openecf: duplicate:"), again.stderr
        assert again.stderr.count("\n") == 1, again.stderr
        reaches_its_services_and_mails_its_own_address(clone, ports)
        a_second_make_run_leaves_the_first_alone(clone)
        starts_postgresql_and_kafka_again_when_killed(clone, output)
        assert openecf("maintenance", "status").returncode == 0
    finally:
        stop(make, signal.SIGINT)  # Ctrl-C
    assert any(line.strip() == "stopped" for line in output), "".join(output[-30:])
    nothing_left_under(clone)
    assert not (clone / ".openecf" / "stack.json").exists()
    # With the stack gone, the same command says what to do in one line.
    gone = subprocess.run(
        [str(clone / ".venv" / "bin" / "openecf"), "maintenance", "status"],
        cwd=clone,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert gone.returncode == 1
    assert gone.stderr.startswith("openecf: no database: start the local stack with `make run`")

    starts_again_after_a_crash_and_a_closed_terminal(clone, ports)


def reaches_its_services_and_mails_its_own_address(clone: Path, ports: dict[str, str]) -> None:
    """The edge reaches every service on its moved port, and a reset link points at the
    moved edge."""
    edge = f"http://127.0.0.1:{ports['OPENECF_EDGE_PORT']}"
    services = httpx.get(f"{edge}/api/v1/status", timeout=30).json()["services"]
    assert services == dict.fromkeys(SERVICE_NAMES, "serving"), services
    asked = httpx.post(
        f"{edge}/api/v1/credential-reissue", json={"email": "clerk@court.example"}, timeout=30
    )
    assert asked.status_code == 202, asked.text
    maildir = clone / ".openecf" / "mail"
    deadline = time.monotonic() + 60
    while not (texts := [message_text(m) for m in read_messages(maildir)]):
        assert time.monotonic() < deadline, "no reset mail"
        time.sleep(0.5)
    links = re.findall(r"https?://[^/\s]+/reset-password", "".join(texts))
    assert links == [f"{edge}/reset-password"], texts


def a_second_make_run_leaves_the_first_alone(clone: Path) -> None:
    """Started on other ports in the same checkout, it stops in one line before it touches
    the first one's database, broker or stack file."""
    stack_file = (clone / ".openecf" / "stack.json").read_text()
    second = subprocess.run(
        ["make", "--no-print-directory", "run"],
        cwd=clone,
        env=clean_env() | moved_ports(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode != 0
    assert "a stack already runs from" in second.stdout + second.stderr, second.stdout
    assert (clone / ".openecf" / "stack.json").read_text() == stack_file


def starts_postgresql_and_kafka_again_when_killed(clone: Path, output: list[str]) -> None:
    """Killed outright (the OOM killer), each is started again; the services reconnect."""
    data = clone / ".openecf"
    postmaster = pids_with_args("-D", str(data / "postgres"))
    broker = pids_with_args("kafka.Kafka", str(data / "kafka" / "server.properties"))
    assert len(postmaster) == 1 and len(broker) == 1, (postmaster, broker)
    for pid in (*postmaster, *broker):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 120
    for name in ("PostgreSQL", "Kafka"):
        while f"{name} started again\n" not in output:
            assert time.monotonic() < deadline, "".join(output[-30:])
            time.sleep(0.5)


def starts_again_after_a_crash_and_a_closed_terminal(clone: Path, ports: dict[str, str]) -> None:
    """A supervisor killed outright (kill -9, the OOM killer) leaves PostgreSQL, Kafka and the
    SMTP sink running in sessions of their own; the next `make run` stops or adopts them. A
    closed terminal (SIGHUP) stops everything, as Ctrl-C does."""
    make, _ = make_run(clone, ports)
    try:
        supervisors = [line for line in processes_under(clone) if "openecf stack up" in line]
        assert len(supervisors) == 1, supervisors
        os.kill(int(supervisors[0].split(":")[0]), signal.SIGKILL)
        make.wait(timeout=30)
        sink = [line for line in processes_under(clone) if "services.stack.smtp_sink" in line]
        assert len(sink) == 1, processes_under(clone)  # left behind, holding its port
    finally:
        stop(make, signal.SIGKILL)

    again, output = make_run(clone, ports)
    stop(again, signal.SIGHUP)
    left_behind = sink[0].split(":")[0]
    said = f"stopped the SMTP sink an earlier run left behind (pid {left_behind})"
    assert said in "".join(output), "".join(output)
    assert any(line.strip() == "stopped" for line in output), "".join(output[-30:])
    nothing_left_under(clone)
