"""Where a command's CPU goes: every process on the machine, sampled while the command runs.

Usage: python scripts/cpu_by_process.py [--top N] [--processes N] -- make test

Reads /proc once a second while the command runs and keeps each process's last CPU time
(user + system), then prints CPU-minutes by kind of process: each service by name, the Kafka
JVMs, PostgreSQL, the browsers, pytest's workers, the kernel's threads and the rest. A sample
misses the last second of each process, and a process that lives less than a second entirely
(Debian's `acct` counts those): read it for the long-lived ones. The whole machine is read, so
run nothing else beside it. `--processes N` also lists the N processes that used the most, with
their command lines. How the suite's CPU was split this way: docs/test-time.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
# `python -m services.cli.main serve auth`, `…/bin/openecf serve auth`, or as the stack's fork
# server names its children: `openecf serve auth`.
SERVICE = re.compile(r"(?:services\.cli\.main|openecf) (serve \w+|maintenance \w+|stack forks)")
# The first name found in a command line gives its kind (the services are matched above).
KINDS = (
    ("pytest worker", "-u -c import sys;exec(eval(sys.stdin.readline()))"),
    ("pdf sandbox / multiprocessing", "multiprocessing"),
    ("kafka (jvm)", "kafka"),
    ("java, other", "java"),
    ("postgres", "postgres"),
    ("firefox", "firefox"),
    ("chromium", "chrom"),
    ("webkit", "WebKit"),
    ("installs: pip, uv", "pip"),  # uv is run as `uv pip install`
    ("buildah / podman", "buildah"),
    ("buildah / podman", "podman"),
    ("pytest", "pytest"),
    ("go / rust / node builds", "go-build"),
    ("go / rust / node builds", "rustc"),
    ("go / rust / node builds", "npm"),
)

Sample = tuple[float, str, str]  # CPU seconds so far, the kind of process, its command line


def kind_of(cmdline: str, comm: str) -> str:
    if not cmdline:
        return f"kernel thread {comm.split('/')[0]}"
    found = SERVICE.search(cmdline)
    if found:
        return found.group(1)
    return next((kind for kind, needle in KINDS if needle in cmdline), f"other: {comm}")


def sample(seen: dict[tuple[str, str], Sample]) -> None:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat.rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / TICKS
            key = (pid, fields[19])  # pid and start time: a reused pid is another process
            if key in seen and not seen[key][1].startswith("other: "):
                seen[key] = (cpu, seen[key][1], seen[key][2])
            else:  # new, or not yet named: a forked child renames itself just after the fork
                raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                cmdline = raw.replace(b"\0", b" ").decode(errors="replace")
                seen[key] = (cpu, kind_of(cmdline, comm), cmdline)
        except (OSError, ValueError, IndexError):
            continue  # gone between listing and reading


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=25, help="kinds to print")
    parser.add_argument("--processes", type=int, default=0, help="processes to list after them")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- and the command to run")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    before: dict[tuple[str, str], Sample] = {}
    sample(before)
    seen = dict(before)
    started = time.monotonic()
    child = subprocess.Popen(command)
    while child.poll() is None:
        sample(seen)
        time.sleep(1.0)
    sample(seen)
    wall = time.monotonic() - started
    used = {key: seen[key][0] - (before[key][0] if key in before else 0.0) for key in seen}
    by_kind: collections.Counter[str] = collections.Counter()
    for key, cpu in used.items():
        by_kind[seen[key][1]] += cpu
    total = sum(by_kind.values())
    print(
        f"\n{command[0]}: exit {child.returncode}, {wall / 60:.1f} min wall, "
        f"{total / 60:.1f} CPU-min on the machine ({os.cpu_count()} cores)"
    )
    for kind, cpu in by_kind.most_common(args.top):
        print(f"{cpu / 60:7.2f} CPU-min  {kind}")
    for key in sorted(used, key=used.__getitem__, reverse=True)[: args.processes]:
        _, kind, cmdline = seen[key]
        print(f"{used[key]:7.1f} CPU-s  pid {key[0]:>7}  {kind}: {cmdline[:120]}")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
