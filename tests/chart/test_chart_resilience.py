"""What the chart does for a court's operations beyond running the processes: mounting a CA
(or any file) and extra settings into every workload, spreading replicas over zones and
nodes, sizing Kafka partitions for the autoscaler, and sizing the "closed too long" alert
from the maintenance window."""

from __future__ import annotations

from typing import Any

import pytest
from chart.helm_render import (
    CHART,
    MONITORING_API,
    PROCESSES,
    RELEASE,
    Render,
    component_name,
    find,
    one,
    pod_specs,
    validate,
)

TMP = "/tmp"  # noqa: S108 - the pods' emptyDir mount, not a file this test writes

# A CA for every pod (the chart README's section 5), settings from a Secret, and a volume,
# mount and envFrom source of notify's own.
CA_VALUES: dict[str, Any] = {
    "database": {"existingSecret": {"name": "ecf-database", "key": "url"}},
    "extraVolumes": [{"name": "court-ca", "secret": {"secretName": "court-ca"}}],
    "extraVolumeMounts": [{"name": "court-ca", "mountPath": "/etc/openecf/ca", "readOnly": True}],
    "extraEnvFrom": [{"secretRef": {"name": "ecf-extra-settings"}}],
    "services": {
        "notify": {
            "extraEnv": [{"name": "SSL_CERT_FILE", "value": "/etc/openecf/ca/smtp-bundle.pem"}],
            "extraVolumes": [{"name": "notify-only", "configMap": {"name": "notify-extra"}}],
            "extraVolumeMounts": [{"name": "notify-only", "mountPath": "/etc/openecf/notify"}],
            "extraEnvFrom": [{"configMapRef": {"name": "notify-extra"}}],
        }
    },
}


def test_extra_volumes_mounts_and_env_from_reach_every_workload(render: Render) -> None:
    objects = render(CA_VALUES)
    workloads = pod_specs(objects).items()
    kinds = {name.split("/")[0] for name, _ in workloads}
    assert kinds == {"Deployment", "Job", "CronJob", "Pod"}, kinds
    notify = f"Deployment/{component_name('notify')}"
    for name, pod in workloads:
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["court-ca"] == {"name": "court-ca", "secret": {"secretName": "court-ca"}}
        assert "tmp" in volumes, name  # the chart's own stay
        assert ("notify-only" in volumes) == (name == notify), name
        for container in pod["containers"]:
            mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
            assert mounts["/etc/openecf/ca"]["readOnly"] is True, name
            assert mounts[TMP]["name"] == "tmp"
            assert ("/etc/openecf/notify" in mounts) == (name == notify), name
            if name.startswith("Pod/"):
                continue  # the helm test pod reads no settings
            sources = container["envFrom"]
            assert {"secretRef": {"name": "ecf-extra-settings"}} in sources, name
            if name.startswith("Deployment/") or name.startswith("CronJob/"):
                # The chart's ConfigMap first, so the extra sources win.
                assert "configMapRef" in sources[0], name
            assert ({"configMapRef": {"name": "notify-extra"}} in sources) == (name == notify)
    validate(objects, "1.30")


def test_without_extras_the_pods_mount_only_tmp(default_objects: list[dict[str, Any]]) -> None:
    for name, pod in pod_specs(default_objects).items():
        assert [v["name"] for v in pod["volumes"]] == ["tmp"], name
        for container in pod["containers"]:
            assert [m["mountPath"] for m in container["volumeMounts"]] == [TMP], name


def test_the_extras_are_checked_by_the_schema(render: Render) -> None:
    from chart.helm_render import HelmError

    with pytest.raises(HelmError, match="mountPath"):
        render({"extraVolumeMounts": [{"name": "court-ca"}]})
    with pytest.raises(HelmError, match="extraEnvFrom"):
        render({"extraEnvFrom": [{"secretRef": {"name": "x"}, "bogus": 1}]})


def _spread(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return list(deployment["spec"]["template"]["spec"].get("topologySpreadConstraints", []))


@pytest.mark.parametrize("process", PROCESSES)
def test_replicas_spread_over_zones_and_nodes_by_default(
    default_objects: list[dict[str, Any]], process: str
) -> None:
    deployment = one(default_objects, "Deployment", component_name(process))
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/component"] == process
    constraints = _spread(deployment)
    assert [c["topologyKey"] for c in constraints] == [
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    ]
    for constraint in constraints:
        # Soft: a cluster with one zone, or fewer nodes than replicas, still runs every pod.
        assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
        assert constraint["maxSkew"] == 1
        assert constraint["labelSelector"] == {"matchLabels": selector}
        assert constraint["matchLabelKeys"] == ["pod-template-hash"]
    affinity = deployment["spec"]["template"]["spec"]["affinity"]
    (term,) = affinity["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["weight"] == 100
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert term["podAffinityTerm"]["labelSelector"] == {"matchLabels": selector}
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in affinity["podAntiAffinity"]


def test_a_courts_own_scheduling_replaces_the_default(render: Render) -> None:
    own_spread = [
        {
            "maxSkew": 2,
            "topologyKey": "topology.kubernetes.io/region",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "edge"}},
        }
    ]
    own_affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "court", "operator": "Exists"}]}
                ]
            }
        }
    }
    objects = render(
        {"services": {"edge": {"topologySpreadConstraints": own_spread, "affinity": own_affinity}}}
    )
    edge = one(objects, "Deployment", component_name("edge"))
    assert _spread(edge) == own_spread
    assert edge["spec"]["template"]["spec"]["affinity"] == own_affinity
    auth = one(objects, "Deployment", component_name("auth"))
    assert len(_spread(auth)) == 2  # the others keep the default

    off = render({"spread": {"enabled": False}})
    for deployment in find(off, "Deployment"):
        assert _spread(deployment) == []
        assert "affinity" not in deployment["spec"]["template"]["spec"]


def _partitions(objects: list[dict[str, Any]]) -> int:
    job = one(objects, "Job", component_name("migrate"))
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    return int(env["OPENECF_KAFKA_TOPIC_PARTITIONS"])


def test_partitions_follow_the_most_replicas_a_service_can_run(render: Render) -> None:
    assert _partitions(render()) == 3  # two replicas each: the floor of 3
    autoscaled = {"enabled": True, "minReplicas": 2, "maxReplicas": 12}
    assert _partitions(render({"services": {"notify": {"autoscaling": autoscaled}}})) == 12
    assert _partitions(render({"services": {"docket": {"replicaCount": 7}}})) == 7
    # The edge consumes no topic: its autoscaler does not size them.
    edge = {"edge": {"autoscaling": {**autoscaled, "maxReplicas": 30}}}
    assert _partitions(render({"services": edge})) == 3
    # A court's own number is kept.
    assert _partitions(render({"kafka": {"topicPartitions": 24}})) == 24


@pytest.mark.parametrize(
    ("hours", "overrun", "closed_for", "spoken", "window"),
    [
        (5, 15, "5h15m", "5 hours 15 minutes", "5 hours"),
        (6.5, 20, "6h50m", "6 hours 50 minutes", "6 hours 30 minutes"),
        (3, 60, "4h", "4 hours", "3 hours"),
    ],
)
def test_the_closed_too_long_alert_follows_the_window(
    render: Render, hours: float, overrun: int, closed_for: str, spoken: str, window: str
) -> None:
    values = {
        "maintenance": {"hours": hours},
        "metrics": {"prometheusRule": {"enabled": True, "maintenanceOverrunMinutes": overrun}},
    }
    objects = render(values, api_versions=[MONITORING_API])
    rule = one(objects, "PrometheusRule", f"{RELEASE}-openecf")
    (alert,) = [
        r
        for group in rule["spec"]["groups"]
        for r in group["rules"]
        if r.get("alert") == "OpenECFMaintenanceNotLeft"
    ]
    assert alert["for"] == closed_for
    assert alert["annotations"]["summary"].endswith(f"for more than {spoken}")
    assert f"the window's {window} plus {overrun} minutes" in alert["annotations"]["description"]
    assert alert["annotations"]["description"].startswith("{{ $labels.instance }}")


def test_notes_bootstrap_the_admin_without_a_password_on_the_command_line() -> None:
    notes = (CHART / "templates" / "NOTES.txt").read_text()
    assert "--password-stdin" in notes
    assert "exec -i " in notes
    assert "--password '" not in notes and '--password "' not in notes
