"""Bare PDF validation throughput: the intake checks alone, without the edge or gRPC.

Part 1, many small files: N ten-page text PDFs (tests/support/pdf_corpus.py) through
1. ``PdfInspector.inspect`` (sandboxed worker processes) from several threads, and
2. ``inspect_pdf`` directly, in this process, one at a time,
printing files/second, p50/p95 latency and CPU time per file for each (CPU time is the
number that survives a busy machine: files/s on an idle one is about cores / CPU per file).

Part 2, one long brief (``--pages``, default 1,000 text pages): pages/second of bare PDFium
text extraction (open, each page's text, close: the floor no check can beat), of the whole
check in process, and of the whole check through the sandbox, in the same run on the same
file; the ratio check/PDFium (goal: at least 0.5) and the brief's time through the sandbox
(goal: at most 3 s on one idle core). Best of ``--repeat`` runs of each.

    .venv/bin/python bench/pdf_validation.py [--count 200] [--workers 2] [--threads 2]
        [--pages 1000] [--repeat 3]
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
import pypdfium2

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from summary import record
from support.pdf_corpus import long_brief, text_10_pages

from services.filing.pdf_checks import inspect_pdf
from services.filing.pdf_report import PdfLimits, PdfReport
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


def bare_pdfium_text(data: bytes) -> int:
    """PDFium's text of every page, and nothing else: the floor for a check of this file."""
    document = pypdfium2.PdfDocument(data)
    try:
        chars = 0
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
        return chars
    finally:
        document.close()


def best_seconds(
    work: Callable[[], object], repeat: int, cpu: Callable[[], float]
) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        cpu_before, started = cpu(), time.perf_counter()
        work()
        runs.append((time.perf_counter() - started, cpu() - cpu_before))
    return min(runs)


def long_document(pages: int, workers: int, repeat: int, limits: PdfLimits) -> None:
    data = long_brief(pages)
    print(f"\none {pages}-page text brief ({len(data):,} bytes), best of {repeat}:")
    report = inspect_pdf(data, limits)
    if not report.ok or report.pages != pages:
        raise SystemExit(f"unexpected report: {report.findings}")
    floor = best_seconds(lambda: bare_pdfium_text(data), repeat, own_cpu)
    in_process = best_seconds(lambda: inspect_pdf(data, limits), repeat, own_cpu)
    with PdfInspector(workers=workers, limits=limits) as inspector:
        inspector.inspect(text_10_pages())  # boot the workers
        pids = inspector.worker_pids()
        sandboxed = best_seconds(
            lambda: inspector.inspect(data), repeat, lambda: process_cpu(pids) + own_cpu()
        )
    rows = [
        ("bare PDFium text extraction", floor),
        ("whole check, in process", in_process),
        ("whole check, PdfInspector (sandbox)", sandboxed),
    ]
    # CPU seconds are what an idle core would take; wall seconds depend on the machine's load.
    for label, (wall, cpu) in rows:
        print(
            f"{label:<40} {pages / cpu:8.0f} pages/s CPU  {cpu:6.2f} s CPU"
            f"  ({pages / wall:6.0f} pages/s, {wall:6.2f} s wall)"
        )
        record("pdf_validation", f"{pages}-page brief: {label}", pages / cpu, "pages/s (CPU)")
    ratio = floor[1] / sandboxed[1]
    print(f"{'check / PDFium rate, CPU (goal >= 0.5)':<40} {ratio:8.2f}")
    print(f"{'check / PDFium rate, wall':<40} {floor[0] / sandboxed[0]:8.2f}")
    print(f"{f'{pages}-page brief, sandbox CPU (goal <= 3 s)':<40} {sandboxed[1]:8.2f} s")
    record("pdf_validation", "check / bare PDFium pages/s (goal >= 0.5)", ratio, "ratio")
    record("pdf_validation", f"{pages}-page brief through the sandbox", sandboxed[1], "s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = text_10_pages()
    limits = PdfLimits()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{args.count} x 10-page text PDF ({len(data):,} bytes); {os.cpu_count()} CPUs, "
        f"load average {load}; Python {platform.python_version()}, pypdf {pypdf.__version__},"
        f" pypdfium2 {pypdfium2.version.PYPDFIUM_INFO}"
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
    long_document(args.pages, args.workers, args.repeat, limits)


if __name__ == "__main__":
    main()
