"""ServiceMonitor and PrometheusRule: rendered only when enabled and the cluster has the
Prometheus Operator's API (or the check is skipped on purpose), and checked structurally, since
Kubernetes' own schemas do not know these kinds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from chart.helm_render import (
    CHART,
    MONITORING_API,
    NAMESPACE,
    PROCESSES,
    RELEASE,
    Render,
    find,
    one,
    run_helm,
)

FULLNAME = f"{RELEASE}-openecf"
ENABLED = {"metrics": {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}}}
KINDS = ("ServiceMonitor", "PrometheusRule")


@pytest.mark.parametrize(
    ("values", "api_versions", "rendered"),
    [
        (None, [MONITORING_API], False),
        (ENABLED, [], False),
        (ENABLED, [MONITORING_API], True),
        ({"metrics": {**ENABLED["metrics"], "skipCapabilityCheck": True}}, [], True),
    ],
    ids=["disabled", "enabled-without-crds", "enabled-with-crds", "forced"],
)
def test_rendered_only_when_enabled_and_the_api_exists(
    render: Render, values: dict[str, Any] | None, api_versions: list[str], rendered: bool
) -> None:
    objects = render(values, api_versions=api_versions)
    for kind in KINDS:
        assert len(find(objects, kind)) == (1 if rendered else 0), kind


def test_service_monitor_scrapes_every_process(all_objects: list[dict[str, Any]]) -> None:
    monitor = one(all_objects, "ServiceMonitor", FULLNAME)
    assert monitor["apiVersion"] == MONITORING_API
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    spec = monitor["spec"]
    assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (endpoint,) = spec["endpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    assert re.fullmatch(r"\d+[smh]", endpoint["interval"])
    selected = [
        s
        for s in find(all_objects, "Service")
        if spec["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
    ]
    assert {s["metadata"]["name"] for s in selected} == {f"{FULLNAME}-{p}" for p in PROCESSES}
    for service in selected:
        assert "metrics" in {p["name"] for p in service["spec"]["ports"]}


def _rules(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rule = one(objects, "PrometheusRule", FULLNAME)
    assert rule["apiVersion"] == MONITORING_API
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}


def _balanced(expr: str) -> bool:
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for char in re.sub(r'"[^"]*"', '""', expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


def test_prometheus_rule_has_the_minimal_alerts(all_objects: list[dict[str, Any]]) -> None:
    rules = _rules(all_objects)
    assert set(rules) == {
        "OpenECFServiceDown",
        "OpenECFGrpcErrorRatioHigh",
        "OpenECFOutboxNotDraining",
        "OpenECFDeadLetters",
    }
    job = f'job=~"{FULLNAME}-(auth|filing|docket|notify|access|edge)"'
    for name, rule in rules.items():
        expr = rule["expr"]
        assert _balanced(expr), name
        assert f'namespace="{NAMESPACE}"' in expr and job in expr, name
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        assert rule["annotations"]["summary"], name
        assert "{{ $labels." in rule["annotations"]["summary"], name  # left for Prometheus
        assert rule["annotations"]["runbook_url"].startswith("https://runbooks.court.example/"), (
            name
        )
        if "for" in rule:
            assert re.fullmatch(r"\d+[smh]", rule["for"]), name
    assert re.match(r"up\{.*\} == 0$", rules["OpenECFServiceDown"]["expr"])
    assert "grpc_server_handled_total{" in rules["OpenECFGrpcErrorRatioHigh"]["expr"]
    assert 'grpc_code!="OK"' in rules["OpenECFGrpcErrorRatioHigh"]["expr"]
    assert rules["OpenECFGrpcErrorRatioHigh"]["expr"].rstrip().endswith("> 0.05")
    assert "openecf_outbox_oldest_unsent_age_seconds{" in rules["OpenECFOutboxNotDraining"]["expr"]
    assert rules["OpenECFOutboxNotDraining"]["expr"].endswith("> 300")
    assert "increase(openecf_dead_letters_total{" in rules["OpenECFDeadLetters"]["expr"]
    assert rules["OpenECFDeadLetters"]["expr"].endswith("[10m])) > 0")


def test_alert_thresholds_follow_the_values(render: Render) -> None:
    values = {
        "metrics": {
            "prometheusRule": {
                "enabled": True,
                "grpcErrorRatioThreshold": 0.2,
                "outboxOldestUnsentSeconds": 120,
            }
        }
    }
    rules = _rules(render(values, api_versions=[MONITORING_API]))
    assert rules["OpenECFGrpcErrorRatioHigh"]["expr"].endswith("> 0.2")
    assert rules["OpenECFOutboxNotDraining"]["expr"].endswith("> 120")
    assert all("runbook_url" not in r["annotations"] for r in rules.values())


def test_notes_warn_when_monitoring_is_enabled_without_the_crds() -> None:
    """NOTES.txt renders at install time only; a client-side dry run shows it."""
    result = run_helm(
        "install",
        RELEASE,
        str(CHART),
        "--dry-run=client",
        "--namespace",
        NAMESPACE,
        "--set",
        "metrics.serviceMonitor.enabled=true,metrics.prometheusRule.enabled=true",
    )
    assert result.returncode == 0, result.stderr
    notes = result.stdout.split("NOTES:", 1)[1]
    assert "the ServiceMonitor was not rendered" in notes
    assert "the PrometheusRule was not rendered" in notes
    assert f"helm test {RELEASE} --namespace {NAMESPACE}" in notes
    assert '"0 0 * * 6"' in notes and '"0 5 * * 6"' in notes
