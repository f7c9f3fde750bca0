"""ServiceMonitor and PrometheusRule: rendered only when enabled and the cluster has the
Prometheus Operator's API (or the check is skipped on purpose), and checked structurally, since
Kubernetes' own schemas do not know these kinds. The PrometheusRule is files/alerts.yaml (its
rules are tested with promtool in tests/observability/); the Grafana dashboard's ConfigMap."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart.helm_render import (
    CHART,
    MONITORING_API,
    NAMESPACE,
    PROCESSES,
    RELEASE,
    HelmError,
    Render,
    find,
    install_dry_run,
    one,
)

FULLNAME = f"{RELEASE}-openecf"
JOB = f'job=~"{FULLNAME}-(auth|filing|docket|notify|access|edge)"'
# What files/alerts.yaml selects the processes with, and links to (the template replaces both).
FILE_SELECTOR = 'job=~"openecf-(auth|filing|docket|notify|access|edge)"'
FILE_RUNBOOK = "https://github.com/openecf/openecf/blob/main/docs/runbook.md"
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
    (absent,) = spec["selector"]["matchExpressions"]
    assert absent == {"key": "openecf.org/headless", "operator": "DoesNotExist"}
    selected = [
        s
        for s in find(all_objects, "Service")
        if spec["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
        and absent["key"] not in s["metadata"]["labels"]
    ]
    assert {s["metadata"]["name"] for s in selected} == {f"{FULLNAME}-{p}" for p in PROCESSES}
    for service in selected:
        assert "metrics" in {p["name"] for p in service["spec"]["ports"]}


def _rules(objects: list[dict[str, Any]], name: str = FULLNAME) -> dict[str, dict[str, Any]]:
    rule = one(objects, "PrometheusRule", name)
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


def _file_rules(*, selector: str, runbook: str) -> dict[str, dict[str, Any]]:
    """files/alerts.yaml's rules with the two replacements the template makes."""
    text = (CHART / "files" / "alerts.yaml").read_text()
    text = text.replace(FILE_SELECTOR, selector).replace(FILE_RUNBOOK, runbook)
    groups = yaml.safe_load(text)["groups"]
    return {r["alert"]: r for group in groups for r in group["rules"]}


def test_prometheus_rule_is_the_alerts_file_for_this_release(
    all_objects: list[dict[str, Any]],
) -> None:
    rule = one(all_objects, "PrometheusRule", FULLNAME)
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule["metadata"]["labels"]["app.kubernetes.io/instance"] == RELEASE
    rules = _rules(all_objects)
    selector = f'namespace="{NAMESPACE}", {JOB}'
    # Exactly the file's rules, groups and order included, with this release's selector and
    # the configured runbook.
    expected = yaml.safe_load(
        (CHART / "files" / "alerts.yaml")
        .read_text()
        .replace(FILE_SELECTOR, selector)
        .replace(FILE_RUNBOOK, "https://runbooks.court.example/openecf")
    )
    assert rule["spec"] == expected
    assert rules == _file_rules(selector=selector, runbook="https://runbooks.court.example/openecf")
    assert {
        "OpenECFServiceDown",
        "OpenECFGrpcErrorRatioHigh",
        "OpenECFHttpErrorRatioHigh",
        "OpenECFOutboxNotDraining",
        "OpenECFConsumerLagGrowing",
        "OpenECFDeadLetters",
        "OpenECFNdaDeliverySlow",
        "OpenECFMaintenanceNotEntered",
        "OpenECFMaintenanceNotLeft",
        "OpenECFFilingNotDocketed",
        "OpenECFAccessIntegrityFailure",
    } <= set(rules)
    for name, alert in rules.items():
        expr = alert["expr"]
        assert _balanced(expr), name
        assert f'namespace="{NAMESPACE}"' in expr and JOB in expr, name
        assert FILE_SELECTOR not in expr, name
        assert alert["labels"]["severity"] in {"critical", "warning"}, name
        assert "{{ $" in alert["annotations"]["description"], name  # for Prometheus to fill
        assert alert["annotations"]["runbook_url"] == (
            f"https://runbooks.court.example/openecf#{name.lower()}"
        )
        if "for" in alert:
            assert re.fullmatch(r"(\d+[smh])+", alert["for"]), name
    assert re.match(r"up\{.*\} == 0$", rules["OpenECFServiceDown"]["expr"])


def test_runbook_links_default_to_the_projects_runbook(render: Render) -> None:
    values = {"metrics": {"prometheusRule": {"enabled": True}}, "fullnameOverride": "ecf"}
    rules = _rules(render(values, api_versions=[MONITORING_API]), name="ecf")
    assert rules == _file_rules(
        selector=f'namespace="{NAMESPACE}", job=~"ecf-(auth|filing|docket|notify|access|edge)"',
        runbook=FILE_RUNBOOK,
    )
    for name, alert in rules.items():
        assert alert["annotations"]["runbook_url"] == f"{FILE_RUNBOOK}#{name.lower()}"


def test_grafana_dashboard_config_map(render: Render, all_objects: list[dict[str, Any]]) -> None:
    assert not find(render(), "ConfigMap", f"{FULLNAME}-dashboard")  # off by default
    config_map = one(all_objects, "ConfigMap", f"{FULLNAME}-dashboard")
    labels = config_map["metadata"]["labels"]
    assert labels["grafana_dashboard"] == "1"  # what Grafana's sidecar selects
    assert labels["app.kubernetes.io/instance"] == RELEASE
    assert config_map["metadata"]["annotations"] == {"grafana_folder": "OpenECF"}
    assert config_map["metadata"]["namespace"] == NAMESPACE
    (key,) = config_map["data"]
    assert key.endswith(".json")
    dashboard = json.loads(config_map["data"][key])
    assert dashboard == json.loads((CHART / "files" / "dashboards" / "openecf.json").read_text())
    assert dashboard["schemaVersion"] >= 39

    values = {
        "metrics": {
            "grafanaDashboard": {
                "enabled": True,
                # Another sidecar label instead of the default one (null removes a default).
                "labels": {"grafana_dashboard": None, "dashboards": "court"},
                "namespace": "monitoring",
            }
        }
    }
    moved = one(render(values), "ConfigMap", f"{FULLNAME}-dashboard")["metadata"]
    assert moved["namespace"] == "monitoring"
    assert moved["labels"]["dashboards"] == "court" and "grafana_dashboard" not in moved["labels"]
    assert "annotations" not in moved


@pytest.mark.parametrize(
    ("dashboard", "complaint"),
    [
        ({"enabled": True, "labels": {"grafana_dashboard": None}}, "labels"),
        ({"enabled": True, "folder": "x"}, "folder"),
        ({"enabled": True, "namespace": "Not A Namespace"}, "namespace"),
    ],
    ids=["no-sidecar-label", "unknown-key", "bad-namespace"],
)
def test_grafana_dashboard_values_are_checked(
    render: Render, dashboard: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError, match=complaint):
        render({"metrics": {"grafanaDashboard": dashboard}})


def test_notes_warn_when_monitoring_is_enabled_without_the_crds(chart_tmp: Path) -> None:
    """NOTES.txt renders at install time only; a client-side dry run shows it."""
    printed = install_dry_run(
        chart_tmp,
        "--set",
        "metrics.serviceMonitor.enabled=true,metrics.prometheusRule.enabled=true",
    )
    notes = printed.split("NOTES:", 1)[1]
    assert "the ServiceMonitor was not rendered" in notes
    assert "the PrometheusRule was not rendered" in notes
    assert f"helm test {RELEASE} --namespace {NAMESPACE}" in notes
    assert '"0 0 * * 6"' in notes and '"0 5 * * 6"' in notes
