"""The local stack's processes forked from one that has imported them once.

Most of a service's start is its imports: 0.4 to 0.5 CPU-seconds each, 0.8 for the edge, paid
again by every replica and at every restart. ``openecf stack forks`` (the fork server) imports
the modules of every process once, then forks each child the supervisor asks for: a stack's
start pays for one set of imports, and a restart for none. Only the local stack uses it
(``make run``, the tests); a court's pods start each process on its own.

Requests and answers are JSON lines on the server's stdin and stdout, one answer a request:
``{"argv": [...], "env": {...}, "log": path, "cwd": path or null}`` forks a child that runs
``openecf <argv>`` and answers ``{"pid": n}``; ``{"poll": n}`` answers ``{"code": c}``: null
while the child runs, else its exit status (negative: the signal that ended it, as
``subprocess`` says it). The server reaps its children and remembers how each ended. When its
stdin closes (the supervisor is done, or died) it stops any child still running, and ends.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from setproctitle import setproctitle

from services.common.settings import PROCESS_NAMES

# What the children run: every process's server, and the maintenance scheduler's command.
PRELOAD = (*(f"services.{name}.server" for name in PROCESS_NAMES), "services.cli.maintenance")
WAIT_STEP = 0.05  # seconds between looks while waiting for a child to end
STOP_SECONDS = 10.0  # what a child left running gets to stop on SIGTERM


def serve(requests: IO[bytes], answers: IO[bytes]) -> list[str] | None:
    """The server's loop: None once ``requests`` closes; in a forked child, that child's argv.

    Nothing here starts a thread or opens a connection before the forks (the imports start
    none), so every child begins as a fresh interpreter that has imported those modules."""
    for module in PRELOAD:
        importlib.import_module(module)
    forked: set[int] = set()
    ended: dict[int, int] = {}
    for line in requests:
        request = _request(line)
        _reap(ended)
        if "poll" in request:
            _answer(answers, {"code": ended.get(request["poll"])})
            continue
        # Opened before the fork: the log exists once the supervisor hears of the child.
        try:
            log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BadRequest(f"cannot open the log {request['log']}: {exc.strerror}") from None
        pid = os.fork()
        if pid == 0:
            _become(request, log)
            return list(request["argv"])
        os.close(log)
        forked.add(pid)
        _answer(answers, {"pid": pid})
    _stop_left_running(forked, ended)
    return None


class BadRequest(ValueError):
    """A line that is not a request of the supervisor's: said in one line, the server ends."""


def _request(line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except ValueError:
        request = None
    if isinstance(request, dict) and (
        isinstance(request.get("poll"), int)
        or (
            isinstance(request.get("argv"), list)
            and isinstance(request.get("env"), dict)
            and isinstance(request.get("log"), str)
            and "cwd" in request
        )
    ):
        return request
    shown = line[:80].decode(errors="replace").strip()
    raise BadRequest(f"not a request of `openecf stack up` (a JSON line): {shown!r}")


def _stop_left_running(forked: set[int], ended: dict[int, int]) -> None:
    """The supervisor has closed our stdin having stopped its children, or has died: stop
    whatever still runs (SIGTERM, then SIGKILL after ``STOP_SECONDS``), so that no service
    is left holding the stack's ports."""
    _reap(ended)
    running = forked - ended.keys()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in running:
            os.kill(pid, sig)  # not yet reaped, so still ours
        deadline = time.monotonic() + STOP_SECONDS
        while running and time.monotonic() < deadline:
            time.sleep(WAIT_STEP)
            _reap(ended)
            running -= ended.keys()


def _answer(answers: IO[bytes], answer: dict[str, Any]) -> None:
    answers.write(json.dumps(answer).encode() + b"\n")
    answers.flush()


def _reap(ended: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        ended[pid] = os.waitstatus_to_exitcode(status)


def _become(request: dict[str, Any], log: int) -> None:
    """In the new child: its own session (a Ctrl-C reaches the supervisor only), its log as
    stdout and stderr, its working folder, environment and name in the process list."""
    os.setsid()
    # Named first: setproctitle finds the command line's memory through the environment
    # this process started with, which is replaced below.
    setproctitle(" ".join(["openecf", *request["argv"]]))
    quiet = os.open(os.devnull, os.O_RDONLY)
    os.dup2(quiet, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(quiet)
    os.close(log)
    if request["cwd"]:
        os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()  # TZ, as a new process would read it
    sys.argv = [sys.argv[0], *request["argv"]]


class ChildProcess(Protocol):
    """What the supervisor needs of a child: a ``subprocess.Popen`` or a ``Forked``."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...


class ForkServer:
    """The supervisor's side: starts the server and asks it for children (thread-safe)."""

    def __init__(
        self, openecf: Sequence[str], env: dict[str, str], cwd: Path | None, log: Path
    ) -> None:
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                [*openecf, "stack", "forks"],
                env=env,
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=out,
                start_new_session=True,
            )
        self._log = log
        self._lock = threading.RLock()

    @property
    def pid(self) -> int:
        return self._process.pid

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        with self._lock:
            try:
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except (OSError, ValueError):  # the server, or our end of its pipes, is closed
                line = b""
        if not line:
            tail = self._log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the fork server exited ({process.poll()}); its log ends:\n{tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def spawn(
        self, argv: Sequence[str], env: dict[str, str], log: Path, cwd: Path | None
    ) -> Forked:
        """A child running ``openecf <argv>``, writing to ``log``."""
        answer = self._ask(
            {"argv": list(argv), "env": env, "log": str(log), "cwd": str(cwd) if cwd else None}
        )
        return Forked(self, int(answer["pid"]), list(argv))

    def exit_code(self, pid: int) -> int | None:
        code = self._ask({"poll": pid})["code"]
        return None if code is None else int(code)

    def signal(self, pid: int, sig: int) -> int | None:
        """Send ``sig`` to the child unless it has ended; answer its exit code if it has. The
        server reaps only while answering, so the pid is not reused meanwhile."""
        with self._lock:
            code = self.exit_code(pid)
            if code is None:
                os.kill(pid, sig)
            return code

    def close(self) -> None:
        """End the server, once the supervisor has stopped the children (any left running are
        stopped by the server, within its ``STOP_SECONDS``)."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(STOP_SECONDS + 5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


class Forked:
    """A child of the fork server, used as the supervisor uses a ``subprocess.Popen``."""

    def __init__(self, server: ForkServer, pid: int, args: list[str]) -> None:
        self.server = server
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(WAIT_STEP)
        return code

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            self.returncode = self.server.signal(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
