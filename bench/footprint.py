"""`make run`'s start time, and each process's memory and CPU while the platform is idle.

Runs ``openecf stack up`` (what `make run` runs) twice on one data folder, on free ports: the
first start is cold (initdb, every migration, demo accounts); the second is the warm start a
developer sees every day (goal: ready within 20 s). Start time is from the command to its line
"OpenECF is up". After the warm start it waits ``--settle`` seconds, then reads each
process's resident memory (RSS; goal: each Python service at most 150 MB idle) and the CPU
each uses over ``--idle`` seconds of doing nothing.

    .venv/bin/python bench/footprint.py [--settle 10] [--idle 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from summary import record
from support.stack import JAR_CACHE, stack_settings

from services.stack.environment import settings_env

READY = "OpenECF is up"
GOAL_START_SECONDS = 20.0
GOAL_RSS_MB = 150.0


def start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], float]:
    out = log.open("ab")
    started = time.monotonic()
    command = [sys.executable, "-m", "services.cli.main", "stack", "up"]
    process = subprocess.Popen(
        [*command, "--cache-dir", str(JAR_CACHE)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    while READY not in log.read_text(errors="replace").rsplit("--- start", 1)[-1]:
        if process.poll() is not None:
            raise SystemExit(f"stack up exited with {process.returncode}; see {log}")
        if time.monotonic() - started > 300:
            raise SystemExit(f"stack up not ready in 300 s; see {log}")
        time.sleep(0.1)
    return process, time.monotonic() - started


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def name_of(process: psutil.Process) -> str:
    try:
        # A title set by the stack's fork server is one string, padded: split it as words.
        argv = " ".join(process.cmdline()).split()
        name = process.name()
    except psutil.Error:
        return "gone"
    if "serve" in argv and argv.index("serve") + 1 < len(argv):
        return argv[argv.index("serve") + 1]
    if "services.stack.smtp_sink" in argv:
        return "smtp sink"
    if "scheduler" in argv:
        return "scheduler"
    if "stack" in argv and "up" in argv:
        return "supervisor (openecf stack up)"
    if "stack" in argv and "forks" in argv:
        return "fork server (openecf stack forks)"
    if name == "java":
        return "kafka (JVM)"
    if name.startswith("postgres"):
        return "postgres (all backends)"
    if any("multiprocessing" in a for a in argv):  # the fork server, and the workers it forks
        owner = process.parent()
        while owner and name_of(owner).endswith("sandbox worker"):
            owner = owner.parent()
        return (name_of(owner) if owner else "?") + " sandbox worker"
    return name


def processes(root: int, data_dir: Path) -> list[psutil.Process]:
    found = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
    # PostgreSQL daemonises (pg_ctl): its processes are found by their data folder.
    postmasters = [
        p
        for p in psutil.process_iter(["name", "cmdline"])
        if (p.info["name"] or "").startswith("postgres")
        and any(str(data_dir) in a for a in p.info["cmdline"] or [])
    ]
    for postmaster in postmasters:
        found += [postmaster, *postmaster.children(recursive=True)]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="openecf-footprint-") as folder:
        data_dir = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENECF_")}
        settings = stack_settings(data_dir)
        # The stack starts its own PostgreSQL and Kafka: leave those two settings empty.
        env.update(
            {
                k: v
                for k, v in settings_env(settings).items()
                if k not in ("OPENECF_DATABASE_URL", "OPENECF_KAFKA_BOOTSTRAP")
            }
        )
        log = data_dir / "stack-up.log"
        times = []
        for attempt in ("cold", "warm"):
            with log.open("a") as out:
                out.write(f"\n--- start {attempt}\n")
            process, seconds = start(env, log)
            times.append(seconds)
            print(f"{attempt} start: ready in {seconds:.1f} s", flush=True)
            if attempt == "cold":
                stop(process)
        try:
            time.sleep(args.settle)
            members = processes(process.pid, data_dir)
            before = {}
            for member in members:
                try:
                    cpu = member.cpu_times()
                    before[member.pid] = cpu.user + cpu.system
                except psutil.Error:
                    continue
            time.sleep(args.idle)
            rss: Counter[str] = Counter()
            count: Counter[str] = Counter()
            idle_cpu: Counter[str] = Counter()
            for member in members:
                try:
                    name = name_of(member)
                    rss[name] += member.memory_info().rss
                    cpu = member.cpu_times()
                    idle_cpu[name] += cpu.user + cpu.system - before.get(member.pid, 0.0)
                    count[name] += 1
                except psutil.Error:
                    continue
            load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        finally:
            stop(process)

    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB;")
    print(f"load average after the idle window {load}")
    print("| process | processes | RSS MB idle | CPU % idle |")
    print("|---|---:|---:|---:|")
    for name, size in sorted(rss.items(), key=lambda item: -item[1]):
        share = idle_cpu[name] / args.idle * 100
        print(f"| {name} | {count[name]} | {size / 2**20:.0f} | {share:.1f} |")
    services = {n: s for n, s in rss.items() if n in ("access", "auth", "docket", "filing", "edge")}
    services["notify"] = rss.get("notify", 0)
    worst = max(services.items(), key=lambda item: item[1])
    print(f"start ratio: {times[1] / GOAL_START_SECONDS:.2f}  (warm start / 20 s goal; <= 1)")
    print(
        f"memory ratio: {worst[1] / 2**20 / GOAL_RSS_MB:.2f}  (largest Python service,"
        f" {worst[0]}, / 150 MB goal; <= 1)"
    )
    record("footprint", "cold start (make run, first)", times[0], "s")
    record("footprint", "warm start (make run)", times[1], "s")
    for name in sorted(services):
        record("footprint", f"{name} RSS idle", services[name] / 2**20, "MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
