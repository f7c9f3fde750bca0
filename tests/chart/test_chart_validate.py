"""Every rendered object is valid Kubernetes (kubernetes-validate --strict, 1.30 and 1.33) for
the default values, with every optional feature on, and across the value combinations an
operator can choose: no valid value combination renders an invalid manifest."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chart.helm_render import (
    ALL_FEATURES,
    MONITORING_API,
    PROCESSES,
    Render,
    template,
    validate,
)

KUBERNETES_VERSIONS = ("1.30", "1.33")

_all_on = {name: {"autoscaling": {"enabled": True}} for name in PROCESSES}
_all_off = {
    name: {"podDisruptionBudget": {"enabled": False}, "replicaCount": 1} for name in PROCESSES
}

# (id, values, --api-versions)
COMBINATIONS: list[tuple[str, dict[str, Any] | None, list[str]]] = [
    ("default", None, []),
    ("all-features", ALL_FEATURES, [MONITORING_API]),
    (
        "existing-secrets",
        {
            "database": {"existingSecret": {"name": "ecf-db", "key": "url"}},
            "smtp": {"existingSecret": {"name": "ecf-relay", "key": "password"}},
            "serviceIdentity": {"existingSecret": {"name": "ecf-identity"}},
        },
        [],
    ),
    (
        "everything-optional-off",
        {
            "networkPolicy": {"enabled": False},
            "migrations": {"enabled": False},
            "maintenance": {"cronJobs": {"enabled": False}},
            "tests": {"enabled": False},
            "serviceAccount": {"create": False, "name": "ecf-runner"},
            "services": _all_off,
        },
        [],
    ),
    (
        "autoscaling-cpu-only-and-integer-budgets",
        {
            "services": {
                name: {
                    "autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 1},
                    "podDisruptionBudget": {"minAvailable": 1},
                }
                for name in PROCESSES
            }
        },
        [],
    ),
    ("autoscaling-everywhere", {"services": _all_on}, []),
    (
        "window-and-explicit-schedules",
        {
            "config": {"courtTimezone": "America/Phoenix", "shutdownGraceSeconds": 2.5},
            "maintenance": {
                "day": 6,
                "start": "23:30",
                "hours": 7.75,
                "cronJobs": {"onSchedule": "30 23 * * 0", "offSchedule": ""},
            },
            "preStopSleepSeconds": 0,
            "terminationGracePeriodSeconds": 120,
        },
        [],
    ),
    (
        "image-digest-and-no-host-ingress",
        {
            "image": {"digest": "sha256:" + "0" * 64, "pullPolicy": "Always"},
            "ingress": {
                "enabled": True,
                "hosts": [{"paths": [{"path": "/", "pathType": "Prefix"}]}],
            },
        },
        [],
    ),
    (
        "monitoring-forced-open-network",
        {
            "metrics": {
                "serviceMonitor": {"enabled": True, "interval": "15s", "scrapeTimeout": "5s"},
                "prometheusRule": {"enabled": True},
                "skipCapabilityCheck": True,
            },
            "networkPolicy": {"prometheus": {"namespaceSelector": {}, "podSelector": {}}},
            "kafka": {"bootstrap": "k0:9092,k1:9092, k2:9092"},
        },
        [],
    ),
    (
        "labels-and-annotations-that-overlap-the-charts",
        {
            "commonLabels": {"app.kubernetes.io/name": "other", "team": "clerk-it"},
            "podLabels": {"app.kubernetes.io/component": "other", "tier": "all"},
            "podAnnotations": {"checksum/config": "stale", "a.example/b": "all"},
            "services": {
                "auth": {"podLabels": {"tier": "auth"}, "podAnnotations": {"a.example/b": "auth"}}
            },
            "metrics": {
                "serviceMonitor": {"enabled": True, "labels": {"app.kubernetes.io/name": "x"}},
                "prometheusRule": {"enabled": True, "labels": {"helm.sh/chart": "x"}},
            },
        },
        [MONITORING_API],
    ),
    (
        "ports-moved",
        {
            "config": {"metricsPortBase": 19100},
            "services": {"auth": {"port": 60051}, "edge": {"port": 8080}},
            "smtp": {"port": 25, "starttls": False},
        },
        [],
    ),
]


@pytest.fixture(scope="module", params=COMBINATIONS, ids=[c[0] for c in COMBINATIONS])
def rendered(request: pytest.FixtureRequest, render: Render) -> list[dict[str, Any]]:
    _, values, api_versions = request.param
    return render(values, api_versions=api_versions)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_kubernetes(rendered: list[dict[str, Any]], version: str) -> None:
    skipped = validate(rendered, version)
    assert set(skipped) <= {"ServiceMonitor", "PrometheusRule"}


DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def test_names_labels_and_ports_follow_the_api_servers_rules(
    rendered: list[dict[str, Any]],
) -> None:
    """What the API server checks beyond the JSON schemas: name, label and port-name formats,
    unique ports, and no duplicate objects."""
    seen = set()
    for obj in rendered:
        meta = obj["metadata"]
        key = (obj["kind"], meta["name"])
        assert key not in seen, key
        seen.add(key)
        assert DNS_LABEL.match(meta["name"]) and len(meta["name"]) <= 63, key
        for value in meta.get("labels", {}).values():
            assert LABEL_VALUE.match(value) and len(value) <= 63, (key, value)
        if obj["kind"] == "CronJob":
            assert len(meta["name"]) <= 52, key
        pods = []
        if obj["kind"] in {"Deployment", "Job"}:
            pods.append(obj["spec"]["template"]["spec"])
        elif obj["kind"] == "CronJob":
            pods.append(obj["spec"]["jobTemplate"]["spec"]["template"]["spec"])
        elif obj["kind"] == "Pod":
            pods.append(obj["spec"])
        for pod in pods:
            for container in pod["containers"]:
                ports = container.get("ports", [])
                assert len({p["containerPort"] for p in ports}) == len(ports), key
                for port in ports:
                    assert PORT_NAME.match(port["name"]) and len(port["name"]) <= 15, key
                names = [e["name"] for e in container.get("env", [])]
                assert len(set(names)) == len(names), (key, names)
        if obj["kind"] == "Service":
            ports = obj["spec"]["ports"]
            assert len({p["port"] for p in ports}) == len(ports), key


def test_kubernetes_validate_command_line_agrees(tmp_path: Path) -> None:
    """The check as an operator runs it (the chart's README.md): `helm template … |
    kubernetes-validate --strict`. One version here; the Python API above covers both."""
    command = [
        sys.executable,
        "-m",
        "kubernetes_validate",
        "--strict",
        "--quiet",
        "-k",
        "1.33",
        "-",
    ]
    result = subprocess.run(
        command,
        input=template(tmp_path, ALL_FEATURES),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
