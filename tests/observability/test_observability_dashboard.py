"""The Grafana dashboard (deploy/helm/openecf/files/dashboards/openecf.json): a current schema,
a Prometheus datasource variable every query uses, the panels an SRE needs (the filing funnel,
latencies, errors, lag, maintenance), queries promtool parses, and only metrics that exist.
(The chart's ConfigMap for it: tests/chart/test_chart_monitoring.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from observability_kit import (
    SYNTHETIC,
    dashboard,
    dashboard_targets,
    documented_families,
    family_of,
    promql_metric_names,
    promtool,
)

# Grafana's variables, as concrete values promtool can parse.
_VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "6h",
    "$namespace": ".*",
}

# What each part of the dashboard must show: a panel title fragment → families it queries.
REQUIRED_QUERIES = {
    "funnel": {
        "openecf_filings_total",
        "openecf_filing_refusals_total",
        "openecf_filing_reviews_total",
        "openecf_docket_entries_recorded_total",
        "openecf_notices_total",
    },
    "latency": {
        "grpc_server_handling_seconds",
        "http_request_duration_seconds",
        "openecf_pdf_validation_seconds",
        "openecf_docket_filing_to_entry_seconds",
        "openecf_nda_delivery_latency_seconds",
    },
    "errors": {
        "grpc_server_handled_total",
        "http_requests_total",
        "openecf_grpc_refusals_total",
    },
    "lag": {
        "openecf_kafka_consumer_lag",
        "openecf_outbox_backlog",
        "openecf_outbox_oldest_unsent_age_seconds",
        "openecf_dead_letters_total",
    },
    "maintenance": {
        "openecf_maintenance_active",
        "openecf_maintenance_next_window_seconds",
        "openecf_maintenance_refused_total",
    },
}


def _expand(expr: str) -> str:
    for variable, value in _VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, expr
    return expr


def _rows(board: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Panels under each row title (the dashboard's panels are flat, rows mark sections)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    current = ""
    for panel in board["panels"]:
        if panel["type"] == "row":
            current = panel["title"].lower()
            rows[current] = list(panel.get("panels", []))
        else:
            rows.setdefault(current, []).append(panel)
    return rows


def test_the_dashboard_is_current_and_uses_a_prometheus_variable() -> None:
    board = dashboard()
    assert board["schemaVersion"] >= 39
    assert board["uid"] and board["title"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    datasource = variables["datasource"]
    assert (datasource["type"], datasource["query"]) == ("datasource", "prometheus")
    ids = []
    for panel in board["panels"]:
        ids.append(panel["id"])
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "${datasource}", panel["title"]
                assert 'namespace=~"$namespace"' in target["expr"], panel["title"]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


def test_the_dashboard_shows_funnel_latency_errors_lag_and_maintenance() -> None:
    families = documented_families()
    rows = _rows(dashboard())
    for part, wanted in REQUIRED_QUERIES.items():
        sections = [title for title in rows if part in title]
        assert sections, f"no row about {part}: {sorted(rows)}"
        queried = {
            family_of(name, families)
            for title in sections
            for panel in rows[title]
            for target in panel.get("targets", [])
            for name in promql_metric_names(target["expr"])
        }
        assert wanted <= queried, (part, wanted - queried)


def test_every_query_names_only_metrics_that_exist() -> None:
    families = documented_families()
    targets = dashboard_targets(dashboard())
    assert len(targets) > 30
    for title, expr in targets:
        names = promql_metric_names(expr)
        assert names, (title, expr)
        for name in names:
            assert name in SYNTHETIC or family_of(name, families), (title, name)


def test_promtool_parses_every_query(tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:query_{i}", "expr": _expand(expr)}
        for i, (_, expr) in enumerate(dashboard_targets(dashboard()))
    ]
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
