"""Helpers for the observability tests (pytest puts this folder on sys.path): the documented
metric catalogue (docs/metrics.md), the alert rules file, the dashboard, PromQL's metric names,
and promtool.

promtool comes from `make tools` (built from the Prometheus module the Go proxy serves) and is
passed as OPENECF_PROMTOOL; without it these tests fail, they never skip.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from support.tools import tool_path

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "openecf"
ALERTS_FILE = CHART / "files" / "alerts.yaml"
DASHBOARD_FILE = CHART / "files" / "dashboards" / "openecf.json"
ALERT_TESTS = Path(__file__).resolve().parent / "alerts.test.yaml"
METRICS_DOC = REPO / "docs" / "metrics.md"
RUNBOOK = REPO / "docs" / "runbook.md"

PROCESSES = ("auth", "filing", "docket", "notify", "access", "edge")
# The one matcher the rules file selects the processes with (the chart replaces it).
FILE_SELECTOR = 'job=~"openecf-(auth|filing|docket|notify|access|edge)"'
FILE_RUNBOOK = "https://github.com/openecf/openecf/blob/main/docs/runbook.md"
# Series Prometheus makes itself, not any process.
SYNTHETIC = frozenset({"up"})


@dataclass(frozen=True)
class Family:
    name: str  # as queried: counters end in _total
    type: str  # counter, gauge, histogram
    labels: frozenset[str]
    processes: frozenset[str]


def documented_families(path: Path = METRICS_DOC) -> dict[str, Family]:
    """Every row of docs/metrics.md's tables whose first cell is a `family`."""
    families: dict[str, Family] = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not re.fullmatch(r"`[a-z_:][a-z0-9_:]*`", cells[0]):
            continue
        name = cells[0].strip("`")
        assert name not in families, f"{name} is documented twice"
        labels = frozenset(re.findall(r"`([a-z_][a-z0-9_]*)`", cells[2]))
        processes = frozenset(p.strip() for p in cells[3].split(",") if p.strip())
        assert processes <= set(PROCESSES), f"{name}: unknown processes {processes}"
        assert cells[1] in {"counter", "gauge", "histogram"}, f"{name}: type {cells[1]!r}"
        families[name] = Family(name, cells[1], labels, processes)
    assert families, f"no metric table found in {path}"
    return families


def family_of(metric: str, families: dict[str, Family]) -> str | None:
    """The documented family a queried series name belongs to (histogram suffixes included)."""
    if metric in families:
        return metric
    for suffix in ("_bucket", "_sum", "_count"):
        base = metric.removesuffix(suffix)
        if base != metric and base in families and families[base].type == "histogram":
            return base
    return None


_KEYWORDS = frozenset(
    {
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "inf",
        "nan",
    }
)


def promql_metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords, labels left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    text = re.sub(r"\{[^{}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\[\]]*\]", " ", text)  # ranges
    text = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", text
    )  # label lists
    names = set()
    for match in re.finditer(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def alert_rules(path: Path = ALERTS_FILE) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD_FILE.read_text())
    return data


def dashboard_targets(board: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expression) of every query of every panel, rows' panels included."""
    found = []
    panels = list(board.get("panels", []))
    while panels:
        panel = panels.pop(0)
        panels.extend(panel.get("panels", []))
        for target in panel.get("targets", []):
            if target.get("expr"):
                found.append((panel.get("title", ""), target["expr"]))
    return found


def promtool_path() -> str:
    return tool_path("promtool", "`make tools` (run by `make test`) installs it")


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool_path(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )
