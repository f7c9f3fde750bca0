"""The migration hook Job, the maintenance CronJobs, and the `helm test` pod (whose health
check is run here against real gRPC health servers)."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from chart.helm_render import ALL_FEATURES, RELEASE, Render, component_name, find, one
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

HOOK = "helm.sh/hook"
WEIGHT = "helm.sh/hook-weight"
DELETE = "helm.sh/hook-delete-policy"
FULLNAME = f"{RELEASE}-openecf"


def _hook_weight(obj: dict[str, Any]) -> int:
    return int(obj["metadata"].get("annotations", {}).get(WEIGHT, "0"))


def _is_install_hook(obj: dict[str, Any]) -> bool:
    hooks = obj["metadata"].get("annotations", {}).get(HOOK, "")
    return "pre-install" in hooks.split(",")


def _references(pod: dict[str, Any]) -> set[tuple[str, str]]:
    """The (kind, name) of every ConfigMap, Secret and ServiceAccount a pod needs."""
    refs = {("ServiceAccount", pod.get("serviceAccountName", "default"))}
    for container in pod["containers"]:
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                refs.add(("ConfigMap", source["configMapRef"]["name"]))
            if "secretRef" in source:
                refs.add(("Secret", source["secretRef"]["name"]))
        for env in container.get("env", []):
            value_from = env.get("valueFrom", {})
            if "secretKeyRef" in value_from:
                refs.add(("Secret", value_from["secretKeyRef"]["name"]))
            if "configMapKeyRef" in value_from:
                refs.add(("ConfigMap", value_from["configMapKeyRef"]["name"]))
    for volume in pod.get("volumes", []):
        if "secret" in volume:
            refs.add(("Secret", volume["secret"]["secretName"]))
        if "configMap" in volume:
            refs.add(("ConfigMap", volume["configMap"]["name"]))
    return refs


@pytest.mark.parametrize("features", ["default", "all"])
def test_migration_job_is_a_pre_install_and_pre_upgrade_hook(
    default_objects: list[dict[str, Any]], all_objects: list[dict[str, Any]], features: str
) -> None:
    objects = default_objects if features == "default" else all_objects
    job = one(objects, "Job", component_name("migrate"))
    annotations = job["metadata"]["annotations"]
    assert annotations[HOOK] == "pre-install,pre-upgrade"
    assert annotations[DELETE] == "before-hook-creation,hook-succeeded"
    assert WEIGHT in annotations
    pod = job["spec"]["template"]["spec"]
    # The schemas, and the Kafka topics that are missing (platform.maintenance compacted).
    assert pod["containers"][0]["args"] == ["migrate", "--topics"]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["OPENECF_KAFKA_BOOTSTRAP"]
    assert env["OPENECF_KAFKA_REPLICATION_FACTOR"] == "3"
    assert pod["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 0 and job["spec"]["activeDeadlineSeconds"] > 0


@pytest.mark.parametrize("features", ["default", "all"])
def test_migration_job_needs_nothing_the_release_creates_after_it(
    default_objects: list[dict[str, Any]], all_objects: list[dict[str, Any]], features: str
) -> None:
    """On a first install the pre-install hook runs before the release's objects exist: what
    it uses must be a hook with a lower weight, or something the operator made beforehand."""
    objects = default_objects if features == "default" else all_objects
    job = one(objects, "Job", component_name("migrate"))
    release_objects = {
        (o["kind"], o["metadata"]["name"])
        for o in objects
        if HOOK not in o["metadata"].get("annotations", {})
    }
    earlier_hooks = {
        (o["kind"], o["metadata"]["name"])
        for o in objects
        if _is_install_hook(o) and _hook_weight(o) < _hook_weight(job)
    }
    refs = _references(job["spec"]["template"]["spec"])
    assert not refs & release_objects, refs & release_objects
    for ref in refs - earlier_hooks:
        # Only Secrets the operator names in values, made before the install.
        assert ref in {("Secret", "openecf-db-app")}, ref
    if features == "all":
        # The URL was given as a value: the Job reads it from its own hook Secret.
        assert ("Secret", component_name("migrate")) in refs & earlier_hooks
        assert ("ServiceAccount", component_name("migrate")) in refs & earlier_hooks
        # Its NetworkPolicy exists before it, too.
        policy = one(objects, "NetworkPolicy", component_name("migrate"))
        assert _hook_weight(policy) < _hook_weight(job) and _is_install_hook(policy)
    for obj in objects:
        if _is_install_hook(obj):
            # Hook helpers are replaced on the next run and removed once the Job succeeded.
            assert obj["metadata"]["annotations"][DELETE] == "before-hook-creation,hook-succeeded"
            assert obj["metadata"]["annotations"][HOOK] == "pre-install,pre-upgrade"


def test_migrations_can_be_turned_off(render: Render) -> None:
    objects = render({"migrations": {"enabled": False}})
    assert find(objects, "Job") == []
    assert all(
        HOOK not in o["metadata"].get("annotations", {}) or o["kind"] == "Pod" for o in objects
    )


def _cronjobs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["metadata"]["name"]: c for c in find(objects, "CronJob")}


def test_maintenance_cronjobs_open_and_close_the_window(
    default_objects: list[dict[str, Any]],
) -> None:
    cronjobs = _cronjobs(default_objects)
    assert set(cronjobs) == {f"{FULLNAME}-maintenance-on", f"{FULLNAME}-maintenance-off"}
    for action, schedule in (("on", "0 0 * * 6"), ("off", "0 5 * * 6")):
        spec = cronjobs[f"{FULLNAME}-maintenance-{action}"]["spec"]
        assert spec["schedule"] == schedule
        assert spec["timeZone"] == "America/Los_Angeles"
        assert "TZ" not in spec["schedule"]
        assert spec["concurrencyPolicy"] == "Forbid"
        # A late "on" still closes the court for the rest of the window (5 h less a minute);
        # "off" runs on time or not at all.
        assert spec["startingDeadlineSeconds"] == (5 * 3600 - 60 if action == "on" else 900)
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"] == ["maintenance", action, "--scheduled"]
        assert pod["restartPolicy"] == "Never"
        assert container["envFrom"] == [{"configMapRef": {"name": FULLNAME}}]
        # It writes auth's maintenance state in PostgreSQL: the database URL is its one secret.
        assert {e["name"] for e in container["env"]} == {"OPENECF_DATABASE_URL"}


@pytest.mark.parametrize(
    ("window", "on", "off"),
    [
        ({"day": 5, "start": "00:00", "hours": 5}, "0 0 * * 6", "0 5 * * 6"),
        ({"day": 6, "start": "22:30", "hours": 3}, "30 22 * * 0", "30 1 * * 1"),
        ({"day": 4, "start": "23:45", "hours": 1.5}, "45 23 * * 5", "15 1 * * 6"),
        ({"day": 0, "start": "06:00", "hours": 168}, "0 6 * * 1", "0 6 * * 1"),
    ],
    ids=["saturday-default", "sunday-night-past-midnight", "fractional-hours", "whole-week"],
)
def test_cron_schedules_follow_the_configured_window(
    render: Render, window: dict[str, Any], on: str, off: str
) -> None:
    objects = render({"maintenance": window, "config": {"courtTimezone": "America/New_York"}})
    cronjobs = _cronjobs(objects)
    assert cronjobs[f"{FULLNAME}-maintenance-on"]["spec"]["schedule"] == on
    assert cronjobs[f"{FULLNAME}-maintenance-off"]["spec"]["schedule"] == off
    assert {c["spec"]["timeZone"] for c in cronjobs.values()} == {"America/New_York"}
    config = one(objects, "ConfigMap", FULLNAME)["data"]
    assert config["OPENECF_MAINTENANCE_DAY"] == str(window["day"])
    assert config["OPENECF_MAINTENANCE_START"] == window["start"]


def test_explicit_cron_schedules_win_and_cronjobs_can_be_off(render: Render) -> None:
    given = render(
        {"maintenance": {"cronJobs": {"onSchedule": "5 0 * * 6", "offSchedule": "55 4 * * 6"}}}
    )
    cronjobs = _cronjobs(given)
    assert cronjobs[f"{FULLNAME}-maintenance-on"]["spec"]["schedule"] == "5 0 * * 6"
    assert cronjobs[f"{FULLNAME}-maintenance-off"]["spec"]["schedule"] == "55 4 * * 6"
    assert find(render({"maintenance": {"cronJobs": {"enabled": False}}}), "CronJob") == []


def test_helm_test_pod_checks_every_service(default_objects: list[dict[str, Any]]) -> None:
    pod = one(default_objects, "Pod", component_name("test"))
    assert pod["metadata"]["annotations"][HOOK] == "test"
    assert pod["metadata"]["annotations"][DELETE] == "before-hook-creation,hook-succeeded"
    (container,) = pod["spec"]["containers"]
    assert container["command"][:2] == ["python", "-c"]
    assert container["args"] == [
        f"http://{FULLNAME}-edge:8000/readyz",
        f"{FULLNAME}-auth:50051",
        f"{FULLNAME}-filing:50052",
        f"{FULLNAME}-docket:50053",
        f"{FULLNAME}-notify:50054",
        f"{FULLNAME}-access:50055",
    ]
    assert pod["spec"]["restartPolicy"] == "Never"


class _Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/readyz" else 404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def health_servers() -> Iterator[tuple[list[str], health.HealthServicer, str]]:
    """Five real gRPC health servers and an HTTP /readyz, on free local ports."""
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    servers, addresses = [], []
    for _ in range(5):
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        addresses.append(f"127.0.0.1:{port}")
    http_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ready)
    threading.Thread(target=http_server.serve_forever, daemon=True).start()
    try:
        yield addresses, servicer, f"http://127.0.0.1:{http_server.server_port}/readyz"
    finally:
        http_server.shutdown()
        for server in servers:
            server.stop(0)


def _run_test_script(
    pod: dict[str, Any], edge: str, services: list[str]
) -> subprocess.CompletedProcess[str]:
    script = pod["spec"]["containers"][0]["command"][2]
    # The pod's own script, without its pauses between attempts.
    wrapper = (
        "import sys, time; time.sleep = lambda s: None; "
        "exec(compile(sys.argv.pop(1), 'helm-test', 'exec'))"
    )
    return subprocess.run(
        [sys.executable, "-c", wrapper, script, edge, *services],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_helm_test_script_passes_when_everything_serves(
    default_objects: list[dict[str, Any]],
    health_servers: tuple[list[str], health.HealthServicer, str],
) -> None:
    addresses, _, ready = health_servers
    pod = one(default_objects, "Pod", component_name("test"))
    result = _run_test_script(pod, ready, addresses)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": SERVING") == 5
    assert f"{ready}: HTTP 200" in result.stdout


def test_helm_test_script_fails_when_a_service_is_not_serving(
    default_objects: list[dict[str, Any]],
    health_servers: tuple[list[str], health.HealthServicer, str],
) -> None:
    addresses, servicer, ready = health_servers
    servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    pod = one(default_objects, "Pod", component_name("test"))
    result = _run_test_script(pod, ready, addresses)
    assert result.returncode == 1
    assert "NOT_SERVING" in result.stdout
    unreachable = _run_test_script(pod, ready, ["127.0.0.1:1"])
    assert unreachable.returncode == 1
    assert "error UNAVAILABLE" in unreachable.stdout


def test_helm_test_pod_can_be_turned_off(render: Render) -> None:
    assert find(render({"tests": {"enabled": False}}), "Pod") == []


def test_ingress_routes_to_the_edge(all_objects: list[dict[str, Any]], render: Render) -> None:
    ingress = one(all_objects, "Ingress", component_name("edge"))["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["tls"] == ALL_FEATURES["ingress"]["tls"]
    (rule,) = ingress["rules"]
    assert rule["host"] == "ecf.court.example"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": component_name("edge"), "port": {"name": "http"}}
    assert find(render(), "Ingress") == []
    any_host = render(
        {"ingress": {"enabled": True, "hosts": [{"paths": [{"path": "/", "pathType": "Prefix"}]}]}}
    )
    assert "host" not in one(any_host, "Ingress", component_name("edge"))["spec"]["rules"][0]
