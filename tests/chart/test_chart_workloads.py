"""The rendered workloads: a Deployment, Service and ServiceAccount per process, their probes,
security, settings and secrets, selectors, the rollout checksum, autoscaling and budgets."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart.helm_render import (
    ALL_FEATURES,
    CHART,
    GRPC_PORTS,
    GRPC_SERVICES,
    IDENTITY_SECRET,
    PROCESSES,
    RELEASE,
    Render,
    component_name,
    find,
    one,
    parse,
    pod_specs,
    run_helm,
    template,
    values_args,
)

SELECTOR_KEYS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
}
FULLNAME = f"{RELEASE}-openecf"


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def _config(objects: list[dict[str, Any]]) -> dict[str, str]:
    return one(objects, "ConfigMap", FULLNAME)["data"]


@pytest.mark.parametrize("process", PROCESSES)
def test_each_process_has_a_deployment_service_and_service_account(
    default_objects: list[dict[str, Any]], process: str
) -> None:
    name = component_name(process)
    deployment = one(default_objects, "Deployment", name)
    service = one(default_objects, "Service", name)
    account = one(default_objects, "ServiceAccount", name)
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]

    assert container["args"] == ["serve", process]
    assert container["image"] == "ghcr.io/openecf/openecf:0.1.0"
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert pod["automountServiceAccountToken"] is False
    assert account["automountServiceAccountToken"] is False
    assert deployment["spec"]["replicas"] == 2
    assert container["envFrom"] == [{"configMapRef": {"name": FULLNAME}}]

    # The Service reaches the container's named ports, and selects exactly this process's pods.
    container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for port in service["spec"]["ports"]:
        assert container_ports[port["targetPort"]] == port["port"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    main_port = 8000 if process == "edge" else GRPC_PORTS[process]
    assert container_ports == {
        ("http" if process == "edge" else "grpc"): main_port,
        "metrics": 9101 + PROCESSES.index(process),
    }


@pytest.mark.parametrize("process", GRPC_SERVICES)
def test_grpc_services_use_native_grpc_probes(
    default_objects: list[dict[str, Any]], process: str
) -> None:
    deployment = one(default_objects, "Deployment", component_name(process))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"] == {"port": GRPC_PORTS[process]}, probe
        assert container[probe]["periodSeconds"] >= 1


def test_edge_probes_are_healthz_and_readyz(default_objects: list[dict[str, Any]]) -> None:
    deployment = one(default_objects, "Deployment", component_name("edge"))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


@pytest.mark.parametrize("features", ["default", "all"])
def test_every_pod_is_locked_down(
    default_objects: list[dict[str, Any]], all_objects: list[dict[str, Any]], features: str
) -> None:
    objects = default_objects if features == "default" else all_objects
    specs = pod_specs(objects)
    # 6 Deployments, the migration Job, 2 CronJobs, the helm test Pod.
    assert len(specs) == 10, list(specs)
    for name, pod in specs.items():
        assert pod["automountServiceAccountToken"] is False, name
        # Service links would hand a release named "openecf" OPENECF_AUTH_PORT=tcp://…
        assert pod["enableServiceLinks"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 10001, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        tmp = {v["name"]: v for v in pod["volumes"]}["tmp"]
        assert "emptyDir" in tmp, name
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["privileged"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], name  # noqa: S108
            assert container["resources"]["requests"], name
            assert container["resources"]["limits"]["memory"], name


def test_termination_grace_outlasts_the_graceful_stop(render: Render) -> None:
    objects = render({"config": {"shutdownGraceSeconds": 12.5}, "preStopSleepSeconds": 4})
    for process in PROCESSES:
        pod = one(objects, "Deployment", component_name(process))["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["lifecycle"]["preStop"] == {"sleep": {"seconds": 4}}
        # preStop, then server.stop(grace), then workers joined within grace + 5, then close.
        assert pod["terminationGracePeriodSeconds"] >= 4 + 2 * 13 + 10
    assert _config(objects)["OPENECF_SHUTDOWN_GRACE_SECONDS"] == "12.5"

    fixed = render({"terminationGracePeriodSeconds": 90, "preStopSleepSeconds": 0})
    pod = one(fixed, "Deployment", component_name("auth"))["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 90
    assert "lifecycle" not in pod["containers"][0]


def test_selectors_hold_only_selector_labels(all_objects: list[dict[str, Any]]) -> None:
    selectors: list[tuple[str, dict[str, str]]] = []
    for obj in all_objects:
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        spec = obj.get("spec", {})
        if obj["kind"] in {"Deployment", "PodDisruptionBudget"}:
            selectors.append((name, spec["selector"]["matchLabels"]))
        elif obj["kind"] == "Service":
            selectors.append((name, spec["selector"]))
        elif obj["kind"] == "NetworkPolicy":
            selectors.append((name, spec["podSelector"]["matchLabels"]))
        elif obj["kind"] == "ServiceMonitor":
            selectors.append((name, spec["selector"]["matchLabels"]))
    assert len(selectors) >= 6 * 4
    for name, selector in selectors:
        assert set(selector) <= SELECTOR_KEYS, name
        assert selector["app.kubernetes.io/instance"] == RELEASE, name
    # And every Deployment's pods carry its selector.
    for deployment in find(all_objects, "Deployment"):
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        assert pod_labels["example.court/tier"] == "app"


def test_the_charts_own_labels_and_checksums_win_over_values(render: Render) -> None:
    objects = render(
        {
            "commonLabels": {"app.kubernetes.io/name": "other", "team": "clerk-it"},
            "podLabels": {"app.kubernetes.io/component": "other", "tier": "all"},
            "podAnnotations": {"checksum/config": "stale"},
            "services": {"auth": {"podLabels": {"tier": "auth"}}},
        }
    )
    for deployment in find(objects, "Deployment"):
        process = deployment["metadata"]["labels"]["app.kubernetes.io/component"]
        assert deployment["metadata"]["labels"]["app.kubernetes.io/name"] == "openecf"
        assert deployment["metadata"]["labels"]["team"] == "clerk-it"
        template_meta = deployment["spec"]["template"]["metadata"]
        assert (
            deployment["spec"]["selector"]["matchLabels"].items() <= template_meta["labels"].items()
        )
        assert template_meta["labels"]["tier"] == ("auth" if process == "auth" else "all")
        assert template_meta["annotations"]["checksum/config"] != "stale"


def test_selectors_do_not_change_with_the_chart_or_app_version(
    tmp_path: Path, default_objects: list[dict[str, Any]]
) -> None:
    """A selector that changes between releases makes `helm upgrade` fail (immutable field)."""
    chart = tmp_path / "openecf"
    shutil.copytree(CHART, chart)
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    meta.update(version="9.9.9", appVersion="9.9.9")
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
    upgraded = parse(
        run_helm(
            "template", RELEASE, str(chart), "--namespace", "ecf", *values_args(tmp_path, None)
        ).stdout
    )
    for deployment in find(default_objects, "Deployment"):
        name = deployment["metadata"]["name"]
        after = one(upgraded, "Deployment", name)
        assert after["spec"]["selector"] == deployment["spec"]["selector"]
        assert after["metadata"]["labels"]["app.kubernetes.io/version"] == "9.9.9"


def test_config_map_holds_every_process_setting(default_objects: list[dict[str, Any]]) -> None:
    config = _config(default_objects)
    assert all(isinstance(v, str) for v in config.values())
    assert config["OPENECF_BIND_HOST"] == "0.0.0.0"  # noqa: S104
    for service, port in GRPC_PORTS.items():
        # The headless Service: clients balance over every replica (round robin).
        assert config[f"OPENECF_{service.upper()}_ADDR"] == f"{FULLNAME}-{service}-pods:{port}"
        assert config[f"OPENECF_{service.upper()}_PORT"] == str(port)
    assert config["OPENECF_EDGE_PORT"] == "8000"
    assert config["OPENECF_METRICS_PORT_BASE"] == "9101"
    # No proxy is believed until the operator names the ingress (values.yaml explains why).
    assert config["OPENECF_TRUSTED_PROXIES"] == ""
    assert config["OPENECF_KAFKA_BOOTSTRAP"] == "openecf-kafka-kafka-bootstrap:9092"
    assert config["OPENECF_COURT_TIMEZONE"] == "America/Los_Angeles"
    assert config["OPENECF_LOG_LEVEL"] == "INFO"
    assert config["OPENECF_SMTP_STARTTLS"] == "true"
    assert config["OPENECF_MAIL_FROM"] == "ecf-noreply@court.example"
    assert config["OPENECF_MAINTENANCE_DAY"] == "5"
    assert config["OPENECF_MAINTENANCE_START"] == "00:00"
    assert config["OPENECF_MAINTENANCE_HOURS"] == "5"
    assert config["OPENECF_COURT_NAME"] == "United States Court of Appeals"
    assert "OPENECF_PUBLIC_BASE_URL" not in config  # no Ingress, none given: NOTES.txt warns
    for key in config:
        assert key.startswith("OPENECF_")
        assert "PASSWORD" not in key and "SECRET" not in key and "DATABASE_URL" not in key


def test_extra_settings_reach_the_config_map(render: Render) -> None:
    config = _config(
        render(
            {
                "config": {
                    "extraEnv": {"OPENECF_CONSUMER_MAX_ATTEMPTS": "8", "OPENECF_LOG_LEVEL": "ERROR"}
                }
            }
        )
    )
    assert config["OPENECF_CONSUMER_MAX_ATTEMPTS"] == "8"
    assert config["OPENECF_LOG_LEVEL"] == "ERROR"


def test_public_base_url_is_given_or_comes_from_the_ingress(
    all_objects: list[dict[str, Any]], render: Render
) -> None:
    assert _config(all_objects)["OPENECF_PUBLIC_BASE_URL"] == "https://ecf.court.example"
    plain = {
        "enabled": True,
        "hosts": [{"host": "ecf.example", "paths": [{"path": "/", "pathType": "Prefix"}]}],
    }
    assert _config(render({"ingress": plain}))["OPENECF_PUBLIC_BASE_URL"] == "http://ecf.example"
    given = render({"ingress": plain, "config": {"publicBaseUrl": "https://efile.court.example/"}})
    assert _config(given)["OPENECF_PUBLIC_BASE_URL"] == "https://efile.court.example"


def test_secrets_come_from_existing_secrets_by_default(
    default_objects: list[dict[str, Any]],
) -> None:
    assert find(default_objects, "Secret") == []  # nothing given as a value
    for process in PROCESSES:
        deployment = one(default_objects, "Deployment", component_name(process))
        env = _env(deployment["spec"]["template"]["spec"]["containers"][0])
        assert env["OPENECF_SERVICE_PRIVATE_KEY"] == {
            "secretKeyRef": {"name": IDENTITY_SECRET, "key": f"{process}.key"}
        }
        if process == "edge":
            # The edge is stateless: it never sees the database.
            assert "OPENECF_DATABASE_URL" not in env
        else:
            assert env["OPENECF_DATABASE_URL"] == {
                "secretKeyRef": {"name": "openecf-db-app", "key": "uri"}
            }
        assert "OPENECF_SMTP_PASSWORD" not in env


def test_secrets_given_as_values_live_in_the_chart_secret(
    all_objects: list[dict[str, Any]],
) -> None:
    secret = one(all_objects, "Secret", FULLNAME)
    assert set(secret["data"]) == {"databaseUrl", "smtpPassword"}
    for process in PROCESSES:
        env = _env(
            one(all_objects, "Deployment", component_name(process))["spec"]["template"]["spec"][
                "containers"
            ][0]
        )
        if process != "edge":
            assert env["OPENECF_DATABASE_URL"] == {
                "secretKeyRef": {"name": FULLNAME, "key": "databaseUrl"}
            }
        if process == "notify":
            assert env["OPENECF_SMTP_PASSWORD"] == {
                "secretKeyRef": {"name": FULLNAME, "key": "smtpPassword"}
            }
        else:
            assert "OPENECF_SMTP_PASSWORD" not in env
        assert env["OPENECF_EXAMPLE"] == process  # the process's own extraEnv


def test_existing_secrets_replace_the_chart_secret(render: Render) -> None:
    objects = render({"smtp": {"existingSecret": {"name": "ecf-relay", "key": "password"}}})
    assert find(objects, "Secret") == []
    notify = one(objects, "Deployment", component_name("notify"))
    env = _env(notify["spec"]["template"]["spec"]["containers"][0])
    assert env["OPENECF_SMTP_PASSWORD"] == {
        "secretKeyRef": {"name": "ecf-relay", "key": "password"}
    }


def _checksums(objects: list[dict[str, Any]], key: str) -> dict[str, str]:
    return {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["annotations"][key]
        for d in find(objects, "Deployment")
    }


def test_checksum_config_changes_when_a_setting_changes(render: Render) -> None:
    before = _checksums(render(), "checksum/config")
    again = _checksums(render(), "checksum/config")
    changed = _checksums(render({"config": {"logLevel": "DEBUG"}}), "checksum/config")
    scaled = _checksums(render({"services": {"auth": {"replicaCount": 5}}}), "checksum/config")
    assert len(before) == 6
    assert before == again == scaled
    assert all(changed[name] != before[name] for name in before)
    # Every pod has the same settings, so the same checksum.
    assert len(set(before.values())) == 1


def test_checksum_secret_changes_when_a_secret_value_changes(render: Render) -> None:
    fixed = {"database": {"url": "postgresql://a@db/ecf"}}
    before = _checksums(render(fixed), "checksum/secret")
    assert before == _checksums(render(fixed), "checksum/secret")
    moved = {**fixed, "database": {"url": "postgresql://a@db2/ecf"}}
    after = _checksums(render(moved), "checksum/secret")
    assert all(after[name] != before[name] for name in before)


def test_autoscaling_replaces_fixed_replicas(all_objects: list[dict[str, Any]]) -> None:
    for process in PROCESSES:
        name = component_name(process)
        assert "replicas" not in one(all_objects, "Deployment", name)["spec"]
        hpa = one(all_objects, "HorizontalPodAutoscaler", name)["spec"]
        assert hpa["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert hpa["minReplicas"] <= hpa["maxReplicas"]
        resources = {m["resource"]["name"]: m["resource"]["target"] for m in hpa["metrics"]}
        assert resources["cpu"]["averageUtilization"] > 0
        assert resources["memory"] == {"type": "Utilization", "averageUtilization": 80}


def test_disruption_budgets(
    default_objects: list[dict[str, Any]], all_objects: list[dict[str, Any]], render: Render
) -> None:
    assert find(default_objects, "HorizontalPodAutoscaler") == []
    for process in PROCESSES:
        name = component_name(process)
        default = one(default_objects, "PodDisruptionBudget", name)["spec"]
        assert default["maxUnavailable"] == 1 and "minAvailable" not in default
        assert default["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
        assert one(all_objects, "PodDisruptionBudget", name)["spec"]["minAvailable"] == "50%"
    off = render({"services": {"edge": {"podDisruptionBudget": {"enabled": False}}}})
    assert find(off, "PodDisruptionBudget", component_name("edge")) == []


def test_scheduling_values_reach_the_pods(all_objects: list[dict[str, Any]]) -> None:
    for name, pod in pod_specs(all_objects).items():
        assert pod["nodeSelector"] == ALL_FEATURES["nodeSelector"], name
        assert pod["tolerations"] == ALL_FEATURES["tolerations"], name
        assert pod["affinity"] == ALL_FEATURES["affinity"], name
        assert pod["priorityClassName"] == "court-critical", name
        assert pod["imagePullSecrets"] == [{"name": "regcred"}], name
    for deployment in find(all_objects, "Deployment"):
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert spread[0]["topologyKey"] == "topology.kubernetes.io/zone"


def test_image_digest_pins_every_container(render: Render) -> None:
    digest = "sha256:" + "ab" * 32
    objects = render({"image": {"repository": "registry.court.example/ecf", "digest": digest}})
    images = {c["image"] for pod in pod_specs(objects).values() for c in pod["containers"]}
    assert images == {f"registry.court.example/ecf@{digest}"}


def test_long_release_names_still_make_valid_names(chart_tmp: Path) -> None:
    release = "a-very-long-release-name-for-the-appellate-court-ecf"[:53]
    objects = parse(template(chart_tmp, release=release))
    for obj in objects:
        name = obj["metadata"]["name"]
        limit = 52 if obj["kind"] == "CronJob" else 63
        assert len(name) <= limit, name
        assert name[-1] != "-", name
    config = one(objects, "ConfigMap", objects[0]["metadata"]["name"].rsplit("-", 1)[0])
    assert config["data"]["OPENECF_AUTH_ADDR"].endswith("-auth-pods:50051")


def test_each_grpc_service_has_a_headless_service_listing_every_replica(
    default_objects: list[dict[str, Any]],
) -> None:
    for service, port in GRPC_PORTS.items():
        cluster_ip = one(default_objects, "Service", f"{FULLNAME}-{service}")
        headless = one(default_objects, "Service", f"{FULLNAME}-{service}-pods")
        assert headless["spec"]["clusterIP"] == "None"
        assert headless["spec"]["selector"] == cluster_ip["spec"]["selector"]
        assert headless["metadata"]["labels"]["openecf.org/headless"] == "true"
        assert [(p["name"], p["port"]) for p in headless["spec"]["ports"]] == [("grpc", port)]
    assert not any(
        s["metadata"]["name"].endswith("-edge-pods") for s in find(default_objects, "Service")
    )


def test_the_ingress_can_be_named_as_the_proxy_the_edge_believes(render: Render) -> None:
    objects = render({"config": {"trustedProxies": "10.42.0.0/16"}})
    assert _config(objects)["OPENECF_TRUSTED_PROXIES"] == "10.42.0.0/16"
