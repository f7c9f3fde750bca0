"""Small helpers the local stack's Java components (Kafka, S3Proxy) share: their cache folder,
finding a tool, serialising a download between processes, writing a file atomically, a log's
last lines."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

# JVM options for the local Java components. They live minutes to hours here, under tests or
# `make run`, where the optimising compiler's work is most of their CPU: the client compiler
# alone and the serial collector (small heaps) use about half the broker's CPU for the same
# work (start, 20,000 and 200,000 messages, idle: bench/README.md). A court's production
# Kafka and object store are its own, tuned by their operators.
LOCAL_JVM_OPTIONS: tuple[str, ...] = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def machine_cache() -> Path:
    """The machine's cache of what every checkout may share: the Kafka and S3Proxy jars, the
    class archive of the Kafka jars and the formatted store beside them (the Makefile's
    MACHINE_CACHE, which holds uv and the built tools). One place per machine, so a new clone
    neither runs Maven again nor starts its first brokers without the archive, which maps the
    jars only at the one path it was recorded with."""
    return Path.home() / ".cache" / "openecf"


def require_tool(name: str, hint: str) -> str:
    path = shutil.which(name)
    if path is None and name == "java" and os.environ.get("JAVA_HOME"):
        candidate = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
        path = str(candidate) if candidate.exists() else None
    if path is None:
        raise RuntimeError(f"`{name}` was not found on PATH; {hint}")
    return path


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    # Serialises fetches from concurrent processes (tests beside `make run`); the kernel drops
    # the lock if the holder dies, so a crashed fetch never blocks the next one.
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
