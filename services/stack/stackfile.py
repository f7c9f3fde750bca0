"""How the command line finds a running local stack: ``<data dir>/stack.json``.

``openecf stack up`` writes the file once PostgreSQL and Kafka are up and removes it when it
stops; ``openecf`` commands run beside it read the database and Kafka addresses from it, so the
README's commands need no environment. The file holds a connection string, so it is readable
by its owner only, and a file whose writer is gone is ignored, except by the next
``openecf stack up``: it tells it what the dead supervisor may have left running.

``<data dir>/stack.lock`` is held (``flock``) by the supervisor from its first step to its
last, so a second ``openecf stack up`` on the same folder stops before it touches anything: it
would otherwise take the first one's PostgreSQL and broker for a crashed run's leftovers. The
kernel drops the lock when its holder dies, however it dies.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "stack.json"
LOCK_NAME = "stack.lock"


class AlreadyRunning(Exception):
    """Another supervisor holds the data folder."""


@dataclass(frozen=True)
class StackInfo:
    pid: int
    database_url: str
    kafka_bootstrap: str
    edge_url: str
    forks_pid: int = 0  # the supervisor's fork server, if it has one


def path_in(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def hold(data_dir: Path) -> int:
    """Take the data folder for this process (until ``release``, or its death); the lock's
    file descriptor. Raises AlreadyRunning, naming the holder, when another process has it."""
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 20).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise AlreadyRunning(
            f"a stack already runs from {data_dir} (pid {holder}): stop it first (Ctrl-C in its"
            " terminal), or give this one a folder of its own with OPENECF_DATA_DIR"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def release(fd: int) -> None:
    os.close(fd)  # closing the only descriptor of the lock's file drops the lock


def write(data_dir: Path, info: StackInfo) -> None:
    path = path_in(data_dir)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(info), handle, indent=2)
    os.replace(tmp, path)


def remove(data_dir: Path, pid: int) -> None:
    """Remove the file if it is still ours (a second stack may have replaced it)."""
    info = read(data_dir)
    if info is not None and info.pid == pid:
        path_in(data_dir).unlink(missing_ok=True)


def read(data_dir: Path) -> StackInfo | None:
    """The running stack's addresses, or None when no live stack wrote the file."""
    info = _load(data_dir)
    return info if info is not None and _alive(info.pid) else None


def left_by_a_dead_supervisor(data_dir: Path) -> StackInfo | None:
    """The file of a supervisor that died without removing it (kill -9, the OOM killer)."""
    info = _load(data_dir)
    return info if info is not None and not _alive(info.pid) else None


def _load(data_dir: Path) -> StackInfo | None:
    try:
        raw = json.loads(path_in(data_dir).read_text())
        return StackInfo(
            pid=int(raw["pid"]),
            database_url=str(raw["database_url"]),
            kafka_bootstrap=str(raw["kafka_bootstrap"]),
            edge_url=str(raw["edge_url"]),
            forks_pid=int(raw.get("forks_pid", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True
