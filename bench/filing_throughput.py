"""Filings per second through the edge, against bare PDF validation of the same files.

Starts the real local stack in a temporary folder on free ports, makes one e-filer (applied,
approved by the demo clerk, TOTP enrolled) through the REST API, then submits ``--count``
filings — a motion with a 10-page text PDF in one case — from ``--clients`` concurrent HTTP
clients, each with its own Idempotency-Key. Every filing goes the whole way: multipart upload,
session check through auth, the PDF checked in the sandbox, stored in the access vault, the
envelope and its outbox event committed, the receipt answered. Then it checks the same PDF
``--count`` times through the bare ``PdfInspector`` (the same sandbox, no edge, no gRPC, no
database) and prints both rates and their ratio.

    .venv/bin/python bench/filing_throughput.py [--count 200] [--clients 4]
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

from summary import record
from support.api import Api, efiler, file, petition, wait_for
from support.pdf_corpus import text_10_pages
from support.stack import start_stack

from services.filing.pdf_sandbox import PdfInspector


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    pdf = text_10_pages()

    with tempfile.TemporaryDirectory(prefix="openecf-bench-") as folder:
        stack = start_stack(Path(folder))
        try:
            base = f"http://127.0.0.1:{stack.settings.edge_port}"
            entry = next(a for a in stack.demo_accounts if a["role"] == "clerk")
            clerk = Api(base)
            clerk.login(entry["username"], entry["password"])
            filer = efiler(base, clerk)
            opened = file(filer, petition(), pdf)
            filing_id = opened.json()["filing_id"]
            case_number = wait_for(
                lambda: filer.get(f"/api/v1/filings/{filing_id}").json()["case_number"], 60
            )
            motion = {"type": "motion", "case_number": case_number, "description": "bench"}

            def one(_: int) -> float:
                started = time.perf_counter()
                response = file(filer, motion, pdf, key=str(uuid.uuid4()))
                assert response.status_code == 201, response.text
                return time.perf_counter() - started

            for warm in range(5):
                one(warm)
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                latencies = sorted(pool.map(one, range(args.count)))
            edge_seconds = time.perf_counter() - started
        finally:
            stack.down()

    inspector = PdfInspector(workers=2)
    try:
        inspector.inspect(pdf)
        started = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: inspector.inspect(pdf), range(args.count)))
        bare_seconds = time.perf_counter() - started
    finally:
        inspector.close()

    edge_rate, bare_rate = args.count / edge_seconds, args.count / bare_seconds
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"through the edge: {args.count} filings with {args.clients} clients in {edge_seconds:.1f}s"
        f" = {edge_rate:.1f} filings/s; latency p50 {statistics.median(latencies) * 1000:.0f} ms,"
        f" p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.0f} ms"
    )
    print(
        f"bare validation:  {args.count} PDFs (2 sandbox workers, 2 threads) in {bare_seconds:.1f}s"
        f" = {bare_rate:.1f} PDFs/s"
    )
    print(f"ratio (edge / bare): {edge_rate / bare_rate:.2f}")
    record("filing_throughput", "filings through the edge", edge_rate, "filings/s")
    record("filing_throughput", "bare validation (floor)", bare_rate, "PDFs/s")
    record("filing_throughput", "ratio edge / bare", edge_rate / bare_rate, "")
    record("filing_throughput", "latency p50", statistics.median(latencies) * 1000, "ms")
    record(
        "filing_throughput", "latency p95", latencies[int(len(latencies) * 0.95) - 1] * 1000, "ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
