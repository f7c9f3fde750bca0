"""Memory one filing in flight costs each process: how many copies of the document it holds.

Starts the real local stack, makes one e-filer with a case, then files one motion whose PDF
is ``--pages`` pages of text (``long_brief``; 3,000 pages ≈ 10 MB) while sampling every
process's resident memory every 10 ms. Prints, per process, the peak above its resident
memory just before the filing, in MB and in multiples of the document's size: the copies of
the bytes it held at once (multipart, protobuf, pipes, hashing), which is what bounds the
memory of N filings in flight. The sandbox worker's own parsing is counted apart: it is
bounded by its address-space limit (``OPENECF_PDF_MEMORY_MB``), not by copies.

    .venv/bin/python bench/filing_memory.py [--pages 3000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from summary import record
from support.api import Api, efiler, file, petition, wait_for
from support.pdf_corpus import long_brief, text_1_page
from support.stack import start_stack


def sample_rss(names: dict[int, str], root: int) -> Counter[str]:
    sizes: Counter[str] = Counter()
    for process in psutil.Process(root).children(recursive=True):
        try:
            rss = process.memory_info().rss
            name = names.get(process.pid)
            if name is None:
                parent = process.parent()
                name = f"{names.get(parent.pid, '?')} sandbox worker" if parent else "?"
            sizes[name] += rss
        except psutil.Error:
            continue
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000)
    args = parser.parse_args()
    pdf = long_brief(args.pages)
    mb = len(pdf) / 2**20
    with tempfile.TemporaryDirectory(prefix="openecf-memory-") as folder:
        stack = start_stack(Path(folder))
        try:
            base = f"http://127.0.0.1:{stack.settings.edge_port}"
            entry = next(a for a in stack.demo_accounts if a["role"] == "clerk")
            clerk = Api(base)
            clerk.login(entry["username"], entry["password"])
            filer = efiler(base, clerk)
            filing_id = file(filer, petition(), text_1_page()).json()["filing_id"]
            case_number = wait_for(
                lambda: filer.get(f"/api/v1/filings/{filing_id}").json()["case_number"], 60
            )
            motion = {"type": "motion", "case_number": case_number, "description": "memory"}
            names = {c.process.pid: n for n, c in stack.children.items() if c.process}
            root = os.getpid()
            time.sleep(2.0)
            before = sample_rss(names, root)
            peak: Counter[str] = Counter(before)
            done = threading.Event()

            def watch() -> None:
                while not done.is_set():
                    for name, size in sample_rss(names, root).items():
                        peak[name] = max(peak[name], size)
                    time.sleep(0.01)

            watcher = threading.Thread(target=watch)
            watcher.start()
            started = time.perf_counter()
            try:
                response = file(filer, motion, pdf, key=str(uuid.uuid4()))
            finally:
                done.set()
                watcher.join()
            seconds = time.perf_counter() - started
            assert response.status_code == 201, response.text
        finally:
            stack.down()

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"one motion, {args.pages} pages, {mb:.1f} MB, filed in {seconds:.1f} s (load {load})")
    print("| process | RSS before MB | peak above it MB | copies of the document |")
    print("|---|---:|---:|---:|")
    for name in ("edge", "filing", "access", "filing sandbox worker", "auth", "docket", "notify"):
        grown = (peak[name] - before[name]) / 2**20
        print(f"| {name} | {before[name] / 2**20:.0f} | {grown:.1f} | {grown / mb:.1f} |")
        if name in ("edge", "filing", "access"):
            record("filing_memory", f"{name}: copies of a filing's document", grown / mb, "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
