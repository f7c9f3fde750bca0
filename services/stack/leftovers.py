"""Processes of an earlier run whose supervisor died without stopping them (kill -9, the OOM
killer). Each runs in a session of its own, so it outlives the supervisor and keeps the stack's
ports and data folder; the next start stops it, or waits for it to stop. A process is known by
arguments only it has (its data folder or Maildir), by the log it writes (a file in the stack's
log folder), or by the pid its supervisor recorded."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def _other_pids() -> list[int]:
    """Every process on the machine but this one."""
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and int(entry.name) != os.getpid()
    ]


def pids_with_args(*needles: str) -> list[int]:
    """Processes whose command line contains every needle as a separate argument."""
    found = []
    for pid in _other_pids():
        args = set(process_args(pid))
        if args and all(n in args for n in needles):
            found.append(pid)
    return found


def pids_logging_into(folder: Path) -> list[int]:
    """Processes whose standard output is a file in ``folder``."""
    folder = folder.resolve()  # the kernel names an open file by its path without links
    found = []
    for pid in _other_pids():
        try:
            output = Path(os.readlink(f"/proc/{pid}/fd/1"))
        except OSError:  # gone, or not ours to look into
            continue
        if output.parent == folder:
            found.append(pid)
    return found


def stop_leftovers(*needles: str, timeout: float = 30) -> list[int]:
    """Stop every process with those arguments; return their pids."""
    return stop_processes(pids_with_args(*needles), timeout=timeout)


def stop_processes(pids: list[int], *, timeout: float = 30) -> list[int]:
    """Stop each process (SIGTERM, SIGKILL after ``timeout``) and wait until it is gone;
    return the pids that were still running."""
    stopped = []
    for pid in pids:
        args = process_args(pid)
        if not args:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        wait_gone(pid, args[0], timeout)
        stopped.append(pid)
    return stopped


def wait_gone(pid: int, needle: str, timeout: float) -> bool:
    """Wait until process ``pid`` (if its command line has ``needle``: the pid may have been
    reused) has ended; SIGKILL it after ``timeout``. True if it was still running."""
    if needle not in process_args(pid):
        return False
    deadline = time.monotonic() + timeout
    while needle in process_args(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    return True


def process_args(pid: int) -> list[str]:
    """A process's arguments: none once it has ended (a zombie's are empty too)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]
