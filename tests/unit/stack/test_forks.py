"""The stack's fork server (services/stack/forks.py): a real `openecf stack forks` forks
`openecf` commands, each in its folder, with its environment, log and name, and reports how
each ended."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from support.api import wait_for
from support.cli import run_openecf

from services.stack.forks import ForkServer
from services.stack.supervisor import LocalStack

OPENECF = [sys.executable, "-m", "services.cli.main"]
SCHEDULER = ["maintenance", "scheduler"]
# The scheduler waits out a database that refuses it: a child that runs until stopped.
UNREACHABLE = {"OPENECF_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ForkServer]:
    started = ForkServer(OPENECF, LocalStack.base_env(), None, tmp_path / "forks.log")
    try:
        yield started
    finally:
        started.close()


def test_a_command_runs_in_its_folder_and_writes_its_log(
    server: ForkServer, tmp_path: Path
) -> None:
    log = tmp_path / "keys.log"
    child = server.spawn(
        ["keys", "generate", "--dir", "keys", "--process", "auth"],
        LocalStack.base_env(),
        log,
        cwd=tmp_path,
    )
    assert child.wait(60) == 0, log.read_text()
    assert (tmp_path / "keys").is_dir()  # the relative folder, in the child's own folder
    assert "identity keys in" in log.read_text()


def test_a_command_reads_the_environment_it_was_given(server: ForkServer, tmp_path: Path) -> None:
    log = tmp_path / "migrate.log"
    env = {**LocalStack.base_env(), "OPENECF_ARGON2_PROFILE": "not-a-profile"}
    child = server.spawn(["migrate"], env, log, cwd=tmp_path)
    assert child.wait(60) == 2  # the settings it was given are refused, in one line
    said = log.read_text()
    assert "openecf: bad settings: OPENECF_ARGON2_PROFILE" in said, said
    assert "Traceback" not in said


def title(pid: int) -> str:
    """The process's command line as words (a title set in it is one string, padded)."""
    return " ".join(" ".join(psutil.Process(pid).cmdline()).split())


def test_children_are_named_for_their_command_and_report_how_they_ended(
    server: ForkServer, tmp_path: Path
) -> None:
    env = {**LocalStack.base_env(), **UNREACHABLE}
    logs = {name: tmp_path / f"{name}.log" for name in ("stopped", "killed")}
    stopped, killed = (server.spawn(SCHEDULER, env, log, None) for log in logs.values())
    for child, log in zip((stopped, killed), logs.values(), strict=True):
        wait_for(lambda child=child: title(child.pid) == "openecf " + " ".join(SCHEDULER), 30)
        # It logs that it started once its SIGTERM handler is in place.
        wait_for(lambda log=log: "scheduler started" in log.read_text(errors="replace"), 30)
        assert os.getsid(child.pid) == child.pid  # a session of its own: a Ctrl-C is not its
        assert child.poll() is None
    stopped.send_signal(signal.SIGTERM)
    killed.kill()
    assert stopped.wait(30) == 0  # its own signal handler stopped it cleanly
    assert killed.wait(30) == -signal.SIGKILL
    assert (stopped.poll(), killed.poll()) == (0, -signal.SIGKILL)
    killed.kill()  # an ended child is not signalled again (its pid may be another's by now)


def test_closed_by_the_supervisor_it_stops_what_is_left_and_ends(tmp_path: Path) -> None:
    """A supervisor that dies (or forgets a child) leaves no service holding the ports."""
    server = ForkServer(OPENECF, LocalStack.base_env(), None, tmp_path / "forks.log")
    log = tmp_path / "left.log"
    try:
        left = server.spawn(SCHEDULER, {**LocalStack.base_env(), **UNREACHABLE}, log, None)
        wait_for(lambda: "scheduler started" in log.read_text(errors="replace"), 30)
    finally:
        server.close()
    assert not psutil.pid_exists(left.pid)  # stopped and reaped by the server
    assert "maintenance scheduler stopped" in log.read_text()  # on SIGTERM, cleanly
    with pytest.raises(RuntimeError, match="the fork server exited"):
        server.exit_code(left.pid)


@pytest.mark.parametrize(
    "line", ["garbage", '{"argv": ["serve", "auth"]}', '{"poll": "one"}', "[1, 2]"]
)
def test_a_line_that_is_not_a_request_is_one_line_and_exit_2(line: str) -> None:
    done = run_openecf("stack", "forks", settings={}, given=line + "\n")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("openecf: stack forks: not a request of `openecf stack up`")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_log_it_cannot_open_is_one_line_and_exit_2(tmp_path: Path) -> None:
    request = {"argv": ["--help"], "env": {}, "log": str(tmp_path / "no" / "x.log"), "cwd": None}
    done = run_openecf("stack", "forks", settings={}, given=json.dumps(request) + "\n")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"openecf: stack forks: cannot open the log {tmp_path}/no/x.log: No such file or directory"
    )
