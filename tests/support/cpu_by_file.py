"""Where the suite's CPU goes, by test file: a pytest plugin, `-p support.cpu_by_file`.

Each test is charged the CPU its process tree used while it ran (setup and teardown included):
the pytest process or xdist worker, and every process under it that is alive or was reaped by
then — the worker's stack (Kafka, the services, their PDF sandboxes), stacks of the test's own,
browsers and their drivers, pip. So a stack's idle CPU is charged to whatever test is running,
and a session fixture's start to the first test that asks for it. PostgreSQL runs detached
from the tree (pg_ctl) and is not counted. The table at the end sums the tests by file.

    .venv/bin/python -m pytest -p support.cpu_by_file -n 3 --dist loadfile   # docs/test-time.md
"""

from __future__ import annotations

import collections
import resource
import time
from collections.abc import Generator
from typing import Any

import psutil
import pytest

TOP = 30  # files in the table
KEY = "cpu_by_file"  # xdist's workeroutput entry

cpu: collections.Counter[str] = collections.Counter()
wall: collections.Counter[str] = collections.Counter()


def tree_cpu() -> float:
    """CPU seconds of this process and every process under it, living or reaped."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    for process in psutil.Process().children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # ended between the listing and the read: its parent reaps its CPU
        # A child's reaped children are in its own times: counted once, with it.
        total += times.user + times.system + times.children_user + times.children_system
    return total


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    started_cpu, started = tree_cpu(), time.monotonic()
    yield
    path = item.nodeid.split("::")[0]
    cpu[path] += tree_cpu() - started_cpu
    wall[path] += time.monotonic() - started


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # an xdist worker: the controller prints
        output[KEY] = {"cpu": dict(cpu), "wall": dict(wall)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    report = getattr(node, "workeroutput", {}).get(KEY)
    if report:
        cpu.update(report["cpu"])
        wall.update(report["wall"])


def table(top: int = TOP) -> list[str]:
    total = sum(cpu.values())
    lines = [f"CPU by test file: {total / 60:.2f} CPU-min in {len(cpu)} files (top {top})"]
    for path, seconds in cpu.most_common(top):
        lines.append(f"{seconds:8.1f} CPU-s {wall[path]:8.1f} s wall  {path}")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if cpu:
        terminalreporter.write_line("")
        for line in table():
            terminalreporter.write_line(line)
