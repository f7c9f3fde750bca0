"""`make bench`: run every benchmark under bench/ in turn, then print one table of their figures.

Each benchmark runs with its defaults (see bench/README.md for what each measures); their own
detailed output goes by as they run. The table at the end gives each headline figure, with the
machine and its load average, so a run can be pasted into bench/README.md as it is.

    .venv/bin/python bench/run_all.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"run_all.py", "summary.py", "profiling.py"}


def benchmarks() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.name not in NOT_BENCHMARKS)


def reference_loop_seconds() -> float:
    """The host's speed now: the best of 5 timings of a fixed pure-Python loop. A VM's share of
    its host moves (0.11 to 0.19 s on one machine within an hour, at the same load), so figures
    of runs whose loop times differ do not compare."""
    loop = "sum(i * i for i in range(10_000))"
    return min(timeit.repeat(loop, number=200, repeat=5))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="benchmark file names (no .py)")
    args = parser.parse_args()
    chosen = [p for p in benchmarks() if not args.only or p.stem in args.only]
    failed: list[str] = []
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as handle:
        summary = Path(handle.name)
    env = {**os.environ, "OPENECF_BENCH_SUMMARY": str(summary)}
    timings: dict[str, float] = {}
    speed_before = reference_loop_seconds()
    for script in chosen:
        print(f"\n=== {script.name} ===", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], env=env, check=False)
        timings[script.stem] = time.monotonic() - started
        if result.returncode != 0:
            failed.append(f"{script.name} (exit {result.returncode})")
    rows = [json.loads(line) for line in summary.read_text().splitlines() if line.strip()]
    summary.unlink(missing_ok=True)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at the end {load}; reference loop "
        f"{speed_before:.3f} s before, {reference_loop_seconds():.3f} s after\n"
    )
    print("| benchmark | measure | value | unit |")
    print("|---|---|---:|---|")
    for row in rows:
        value = row["value"]
        shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"
        print(f"| {row['benchmark']} | {row['measure']} | {shown} | {row['unit']} |")
    for name, seconds in timings.items():
        print(f"| {name} | whole run | {seconds:.0f} | s |")
    if failed:
        print("\nfailed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
