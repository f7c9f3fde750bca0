"""Bare PDF validation throughput: the intake checks alone, without the edge or gRPC.

Runs N ten-page text PDFs (tests/support/pdf_corpus.py) through
1. ``PdfInspector.inspect`` (sandboxed worker processes) from several threads, and
2. ``inspect_pdf`` directly, in this process, one at a time,
and prints files/second, p50/p95 latency and CPU time per file for each (CPU time is the
number that survives a busy machine: files/s on an idle one is about cores / CPU per file).

    .venv/bin/python bench/pdf_validation.py [--count 200] [--workers 2] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pypdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from summary import record
from support.pdf_corpus import text_10_pages

from services.filing.pdf_checks import PdfLimits, PdfReport, inspect_pdf
from services.filing.pdf_sandbox import PdfInspector


def run(
    label: str,
    check: Callable[[bytes], PdfReport],
    data: bytes,
    count: int,
    threads: int,
    *,
    quiet: bool = False,
    cpu: Callable[[], float] = lambda: 0.0,
) -> None:
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = iter(range(count))

    def work() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            started = time.perf_counter()
            report = check(data)
            elapsed = time.perf_counter() - started
            if not report.ok or report.pages != 10:
                raise SystemExit(f"unexpected report: {report}")
            with lock:
                latencies.append(elapsed)

    cpu_before = cpu()
    started = time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    cpu_ms = (cpu() - cpu_before) / count * 1000
    if quiet:
        return
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{label:<40} {count / wall:6.1f} files/s  p50 {cuts[49] * 1000:6.1f} ms"
        f"  p95 {cuts[94] * 1000:6.1f} ms  CPU {cpu_ms:5.1f} ms/file"
    )
    record("pdf_validation", label, count / wall, "files/s")
    record("pdf_validation", f"{label}, p95", cuts[94] * 1000, "ms")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) of running processes, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    data = text_10_pages()
    limits = PdfLimits()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{args.count} x 10-page text PDF ({len(data):,} bytes); {os.cpu_count()} CPUs, "
        f"load average {load}; Python {platform.python_version()}, pypdf {pypdf.__version__}"
    )
    with PdfInspector(workers=args.workers, limits=limits) as inspector:
        # Boot every worker (and pypdf's lazy imports in it) before timing.
        run("warm-up", inspector.inspect, data, args.workers * 4, args.workers, quiet=True)
        pids = inspector.worker_pids()
        run(
            f"PdfInspector: {args.workers} workers, {args.threads} threads",
            inspector.inspect,
            data,
            args.count,
            args.threads,
            # The workers' CPU, plus the service's own (pipes, SHA-256, threads).
            cpu=lambda: process_cpu(pids) + own_cpu(),
        )
    inspect_pdf(data, limits)  # warm imports and caches
    run(
        "inspect_pdf in process, 1 thread",
        lambda d: inspect_pdf(d, limits),
        data,
        args.count,
        1,
        cpu=own_cpu,
    )


if __name__ == "__main__":
    main()
