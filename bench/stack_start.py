"""A local stack's start and a restart of its six processes, with the fork server and without.

The local stack (`make run`, every test stack) forks its services, edge and scheduler from one
process that has imported them once (services/stack/forks.py). This starts a stack in a fresh
folder with it and one with each child started on its own (`LocalStack(fork_children=False)`),
alternately, ``--rounds`` times each, and measures the machine's busy CPU (/proc/stat: every
process, PostgreSQL and Kafka included; run it on a quiet machine) for the start (until every
child answers) and for a restart of the five services and the edge after 5 s of quiet. Prints
each run, the medians and ``cpu ratio`` (forked / started on their own; below 1 is less CPU).

    .venv/bin/python bench/stack_start.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from summary import record
from support.stack import JAR_CACHE, stack_settings

from services.common.settings import PROCESS_NAMES
from services.stack.supervisor import LocalStack

QUIET = 5.0  # seconds between the start and the restart


def busy_cpu() -> float:
    """CPU-seconds the machine has spent busy since it started (all cores)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def one_run(fork: bool) -> tuple[float, float, float]:
    """Wall seconds of the start, its CPU-seconds, and the restart's CPU-seconds."""
    stack = LocalStack(
        settings=stack_settings(Path(tempfile.mkdtemp(prefix="stack-start-"))),
        cache_dir=JAR_CACHE,
        announce=lambda _line: None,
        fork_children=fork,
    )
    try:
        cpu, wall = busy_cpu(), time.monotonic()
        stack.up()
        start_wall, start_cpu = time.monotonic() - wall, busy_cpu() - cpu
        time.sleep(QUIET)
        cpu = busy_cpu()
        stack.restart_children(list(PROCESS_NAMES))
        stack.wait_ready("edge")
        return start_wall, start_cpu, busy_cpu() - cpu
    finally:
        stack.down()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
    for _ in range(args.rounds):
        for fork in (False, True):
            wall, start, restart = one_run(fork)
            runs[fork].append((wall, start, restart))
            how = "forked      " if fork else "on their own"
            print(
                f"{how}: ready in {wall:4.1f} s, start {start:4.1f} CPU-s, "
                f"restart of the six {restart:4.1f} CPU-s",
                flush=True,
            )
    medians = {
        fork: [statistics.median(run[i] for run in runs[fork]) for i in range(3)] for fork in runs
    }
    for fork, (wall, start, restart) in medians.items():
        how = "forked      " if fork else "on their own"
        print(f"median {how}: {wall:4.1f} s, {start:4.1f} CPU-s, restart {restart:4.1f} CPU-s")
    ratio = (medians[True][1] + medians[True][2]) / (medians[False][1] + medians[False][2])
    print(f"cpu ratio: {ratio:.2f}")
    record("stack_start", "start + restart CPU, forked / on their own", ratio, "")
    record("stack_start", "ready, forked", medians[True][0], "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
