"""`helm lint --strict` passes, and values.schema.json (plus the chart's own checks) refuses
bad values: `helm lint` and `helm template` both fail on them, naming the problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart.helm_render import (
    ALL_FEATURES,
    CHART,
    HelmError,
    run_helm,
    template,
    values_args,
)


def test_helm_is_helm_4() -> None:
    result = run_helm("version", "--short")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("v4."), result.stdout


@pytest.mark.parametrize("values", [None, ALL_FEATURES], ids=["default", "all-features"])
def test_lint_strict_passes(chart_tmp: Path, values: dict[str, Any] | None) -> None:
    result = run_helm("lint", "--strict", str(CHART), *values_args(chart_tmp, values))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout
    assert "[WARNING]" not in result.stdout and "[ERROR]" not in result.stdout


def _service(**block: Any) -> dict[str, Any]:
    return {"services": {"auth": block}}


# (id, values, a fragment of helm's complaint)
BAD_VALUES: list[tuple[str, dict[str, Any], str]] = [
    ("string-replica-count", _service(replicaCount="2"), "replicaCount"),
    ("unknown-top-level-key", {"replicas": 3}, "replicas"),
    ("unknown-service-key", _service(replica=3), "replica"),
    ("unknown-service", {"services": {"search": {"port": 50056}}}, "search"),
    ("port-out-of-range", _service(port=70000), "port"),
    ("negative-replicas", _service(replicaCount=-1), "replicaCount"),
    (
        "pdb-percent-without-sign",
        _service(podDisruptionBudget={"minAvailable": "2"}),
        "minAvailable",
    ),
    (
        "hpa-target-as-string",
        _service(autoscaling={"targetCPUUtilizationPercentage": "75%"}),
        "target",
    ),
    ("env-without-name", _service(extraEnv=[{"value": "x"}]), "extraEnv"),
    ("log-level", {"config": {"logLevel": "LOUD"}}, "logLevel"),
    ("extra-env-not-openecf", {"config": {"extraEnv": {"HOME": "x"}}}, "^OPENECF_"),
    (
        "extra-env-not-string",
        {"config": {"extraEnv": {"OPENECF_OUTBOX_BATCH_SIZE": 5}}},
        "extraEnv",
    ),
    ("grace-too-long", {"config": {"shutdownGraceSeconds": 301}}, "shutdownGraceSeconds"),
    ("kafka-without-port", {"kafka": {"bootstrap": "kafka.court.example"}}, "bootstrap"),
    ("database-not-postgres", {"database": {"url": "mysql://db/ecf"}}, "url"),
    ("old-service-secret", {"serviceSecret": {"value": "s" * 40}}, "serviceSecret"),
    ("maintenance-start", {"maintenance": {"start": "24:00"}}, "start"),
    ("maintenance-day", {"maintenance": {"day": 7}}, "day"),
    ("maintenance-hours", {"maintenance": {"hours": 0}}, "hours"),
    (
        "cron-tz-in-schedule",
        {"maintenance": {"cronJobs": {"onSchedule": "CRON_TZ=UTC 0 0 * * 6"}}},
        "onSchedule",
    ),
    ("image-digest", {"image": {"digest": "latest"}}, "digest"),
    ("pull-policy", {"image": {"pullPolicy": "Sometimes"}}, "pullPolicy"),
    ("run-as-user-string", {"securityContext": {"runAsUser": "root"}}, "runAsUser"),
    ("probe-period-zero", {"probes": {"readiness": {"periodSeconds": 0}}}, "periodSeconds"),
    (
        "ingress-path-type",
        {
            "ingress": {
                "hosts": [{"host": "a.example", "paths": [{"path": "/", "pathType": "Regex"}]}]
            }
        },
        "pathType",
    ),
    ("no-database-ports", {"networkPolicy": {"database": {"ports": []}}}, "ports"),
    ("scrape-interval", {"metrics": {"serviceMonitor": {"interval": "30 seconds"}}}, "interval"),
    ("removed-block", {"services": {"auth": None}}, "auth"),
    ("label-value-with-space", {"podLabels": {"tier": "front end"}}, "tier"),
    ("label-value-not-string", {"commonLabels": {"team": 7}}, "team"),
    ("label-key", {"commonLabels": {"bad key": "x"}}, "bad key"),
]

# Values the schema cannot judge alone; the chart's own checks refuse them.
BAD_COMBINATIONS: list[tuple[str, dict[str, Any], str]] = [
    ("same-port-twice", _service(port=50052), "must all differ"),
    ("port-equals-metrics-port", _service(port=9106), "must all differ"),
    (
        "hpa-min-above-max",
        _service(autoscaling={"enabled": True, "minReplicas": 5, "maxReplicas": 2}),
        "minReplicas",
    ),
    ("no-database", {"database": {"existingSecret": {"name": ""}}}, "database.url"),
]


@pytest.mark.parametrize(
    ("values", "complaint"), [(v, c) for _, v, c in BAD_VALUES], ids=[i for i, _, _ in BAD_VALUES]
)
def test_schema_refuses_bad_values(chart_tmp: Path, values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(HelmError) as refused:
        template(chart_tmp, values)
    assert "values don't meet the specifications of the schema" in str(refused.value)
    assert complaint in str(refused.value)
    lint = run_helm("lint", "--strict", str(CHART), *values_args(chart_tmp, values))
    assert lint.returncode != 0
    assert complaint in lint.stdout + lint.stderr


@pytest.mark.parametrize(
    ("values", "complaint"),
    [(v, c) for _, v, c in BAD_COMBINATIONS],
    ids=[i for i, _, _ in BAD_COMBINATIONS],
)
def test_chart_checks_refuse_bad_combinations(
    chart_tmp: Path, values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError) as refused:
        template(chart_tmp, values)
    assert complaint in str(refused.value)
    # `helm lint` turns `fail` into a message on purpose (lint mode), so it reports, not fails.
    lint = run_helm("lint", "--strict", str(CHART), *values_args(chart_tmp, values))
    assert complaint in lint.stdout + lint.stderr


def test_schema_refuses_a_string_replica_count_from_set_string(chart_tmp: Path) -> None:
    # The way an operator would get it wrong on the command line.
    with pytest.raises(HelmError, match="replicaCount"):
        template(chart_tmp, extra=["--set-string", "services.edge.replicaCount=3"])


def _schema_nodes(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _schema_nodes(schema, schema["definitions"][node["$ref"].rsplit("/", 1)[1]])
    return node


def _walk(schema: dict[str, Any], node: dict[str, Any], values: Any, path: str) -> list[str]:
    """Differences between the schema's own objects and values.yaml, both ways."""
    node = _schema_nodes(schema, node)
    if node.get("type") != "object" or node.get("additionalProperties") is not False:
        return []
    assert isinstance(values, dict), f"{path}: values.yaml has no object here"
    problems = [
        f"{path}.{k}: in values.yaml, not in the schema"
        for k in values.keys() - node["properties"].keys()
    ]
    for key, sub in node["properties"].items():
        if key not in values:
            if key in node.get("required", []):
                problems.append(f"{path}.{key}: in the schema, not in values.yaml")
            continue
        problems += _walk(schema, sub, values[key], f"{path}.{key}")
    return problems


def test_schema_and_values_yaml_are_in_step() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert schema["additionalProperties"] is False
    assert _walk(schema, schema, values, "") == []


@pytest.mark.parametrize("version", ["1.30.0", "1.33.0"])
def test_renders_for_the_supported_kubernetes_versions(chart_tmp: Path, version: str) -> None:
    template(chart_tmp, ALL_FEATURES, extra=["--kube-version", version])


def test_refuses_kubernetes_older_than_1_30(chart_tmp: Path) -> None:
    # CronJob timeZone, native gRPC probes and the sleep preStop action need 1.30.
    with pytest.raises(HelmError, match="kubeVersion"):
        template(chart_tmp, extra=["--kube-version", "1.29.9"])
