"""The one-table summary `make bench` prints: each benchmark records its headline figures.

A benchmark calls ``record(...)`` for each figure; when ``bench/run_all.py`` runs it, the figures
are appended (JSON lines) to the file named by ``OPENECF_BENCH_SUMMARY``; run alone, they are
only printed by the benchmark itself as before.
"""

from __future__ import annotations

import json
import os


def record(benchmark: str, measure: str, value: float, unit: str) -> None:
    path = os.environ.get("OPENECF_BENCH_SUMMARY")
    if not path:
        return
    row = {"benchmark": benchmark, "measure": measure, "value": value, "unit": unit}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
