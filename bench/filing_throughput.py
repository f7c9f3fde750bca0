"""Filings per second through the edge, against bare PDF validation of the same files.

Starts the real local stack in a temporary folder on free ports, then submits ``--count``
filings — a motion with a 10-page text PDF — from ``--clients`` concurrent HTTP clients, each
an e-filer of its own (applied, approved by the demo clerk, TOTP enrolled, through the REST
API) in a case of its own, one filing after another, each with its own Idempotency-Key.
Every filing goes the whole way: multipart upload, session check through auth, the PDF checked
in the sandbox, stored in the access vault, the envelope and its outbox event committed, the
receipt answered. Then it checks the same PDF ``--count`` times through the bare
``PdfInspector`` (the same sandbox, no edge, no gRPC, no database) and prints both rates and
their ratio (the line ``intake ratio: X``), with the load average, which on this shared
machine says how much the figures are worth.

``--profile DIR`` samples the edge, filing (with its sandbox workers), access and auth with
py-spy during the measured filings and prints each one's top functions (bench/profiling.py).

    .venv/bin/python bench/filing_throughput.py [--count 200] [--clients 4] [--profile DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import psutil
from profiling import CpuAccount, Profiles, beyond_idle, print_cpu, print_top
from summary import record
from support.api import Api, efiler, file, petition, wait_for
from support.pdf_corpus import text_10_pages
from support.stack import start_stack

from services.filing.pdf_sandbox import PdfInspector


def bare_validation(pdf: bytes, count: int) -> tuple[float, float]:
    """PDFs a second through the bare sandbox (2 workers, 2 threads), and the workers' CPU
    seconds a PDF."""
    inspector = PdfInspector(workers=2)
    try:
        inspector.inspect(pdf)
        workers = [psutil.Process(pid) for pid in inspector.worker_pids()]

        def cpu() -> float:
            return sum(w.cpu_times().user + w.cpu_times().system for w in workers)

        cpu_before, started = cpu(), time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: inspector.inspect(pdf), range(count)))
        seconds = time.perf_counter() - started
        return count / seconds, (cpu() - cpu_before) / count
    finally:
        inspector.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--profile", type=Path, help="py-spy the stack's processes into DIR")
    args = parser.parse_args()
    pdf = text_10_pages()
    # The floor, before the stack starts and after it stops: on a shared machine the load
    # moves by the minute, so the higher of the two is the floor (the stricter ratio).
    before_rate, before_cpu = bare_validation(pdf, args.count)

    with tempfile.TemporaryDirectory(prefix="openecf-bench-") as folder:
        stack = start_stack(Path(folder))
        try:
            base = f"http://127.0.0.1:{stack.settings.edge_port}"
            entry = next(a for a in stack.demo_accounts if a["role"] == "clerk")
            clerk = Api(base)
            clerk.login(entry["username"], entry["password"])
            # One e-filer per client, each in its own case: an account may have only
            # OPENECF_FILING_MAX_CONCURRENT_CHECKS (2) filings checked at once (fairness), so
            # four clients of one account would measure that limit's 429s instead.
            filers = [efiler(base, clerk) for _ in range(args.clients)]
            motions = [{"type": "motion", "description": "bench"} for _ in filers]
            for filer, motion in zip(filers, motions, strict=True):
                opened = file(filer, petition(), pdf)
                filing_id = opened.json()["filing_id"]
                motion["case_number"] = wait_for(
                    lambda f=filer, i=filing_id: f.get(f"/api/v1/filings/{i}").json()[
                        "case_number"
                    ],
                    60,
                )

            def one(client: int) -> float:
                started = time.perf_counter()
                response = file(filers[client], motions[client], pdf, key=str(uuid.uuid4()))
                assert response.status_code == 201, response.text
                return time.perf_counter() - started

            def client_run(client: int) -> list[float]:
                share = range(client, args.count, args.clients)
                return [one(client) for _ in share]

            for warm in range(5):
                one(warm % args.clients)
            profiles = Profiles(args.profile) if args.profile else None
            if profiles:
                profiles.start(
                    {
                        name: stack.children[name].process.pid  # type: ignore[union-attr]
                        for name in ("edge", "filing", "access", "auth")
                    }
                )
            cpu = CpuAccount(
                {c.process.pid: n for n, c in stack.children.items() if c.process},
                data_dir=Path(folder),
            )
            idle = cpu.idle_rate(5.0)
            cpu.start()
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                latencies = sorted(
                    t for run in pool.map(client_run, range(args.clients)) for t in run
                )
            edge_seconds = time.perf_counter() - started
            used = beyond_idle(cpu.stop(), idle, time.perf_counter() - started)
            stack_cpu = sum(used.values()) / args.count
            print("CPU beyond what the processes use idle (5 s measured before the load):")
            print_cpu(used, args.count)
            if profiles:
                print_top(profiles.stop())
        finally:
            stack.down()

    after_rate, after_cpu = bare_validation(pdf, args.count)
    edge_rate, bare_rate = args.count / edge_seconds, max(before_rate, after_rate)
    check_cpu = min(before_cpu, after_cpu)
    p50, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()};"
        f" load average {load_before:.1f} before the filings, {os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"through the edge: {args.count} filings with {args.clients} clients in {edge_seconds:.1f}s"
        f" = {edge_rate:.1f} filings/s; latency p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )
    print(
        f"bare validation:  {args.count} PDFs (2 sandbox workers, 2 threads):"
        f" {before_rate:.1f} PDFs/s before the stack, {after_rate:.1f} after;"
        f" {check_cpu * 1000:.1f} ms of worker CPU a PDF"
    )
    print(f"intake ratio: {edge_rate / bare_rate:.2f}  (edge / bare validation; goal >= 0.6)")
    print(
        f"cpu ratio: {check_cpu / stack_cpu:.2f}  (a PDF's check / a filing's CPU in every"
        " process beyond idle, PostgreSQL's included: the ratio the load cannot move)"
    )
    print(f"latency ratio: {p95 / p50:.2f}  (p95 / p50; goal <= 2)")
    record("filing_throughput", "filings through the edge", edge_rate, "filings/s")
    record("filing_throughput", "bare validation (floor)", bare_rate, "PDFs/s")
    record("filing_throughput", "ratio edge / bare", edge_rate / bare_rate, "")
    record("filing_throughput", "CPU a filing (all processes)", stack_cpu * 1000, "ms")
    record("filing_throughput", "CPU of a PDF check", check_cpu * 1000, "ms")
    record("filing_throughput", "latency p50", p50 * 1000, "ms")
    record("filing_throughput", "latency p95", p95 * 1000, "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
