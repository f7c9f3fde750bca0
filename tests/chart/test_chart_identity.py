"""The service identities in the chart: every install needs them (a missing one stops the render
with the commands that make them), each pod gets only its own private key, everyone's public
keys reach every process, and the old shared HMAC secret is gone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chart.helm_render import (
    ALL_FEATURES,
    CHART,
    IDENTITY,
    IDENTITY_SECRET,
    MONITORING_API,
    PROCESSES,
    RELEASE,
    HelmError,
    Render,
    component_name,
    find,
    install_dry_run,
    one,
    pod_specs,
    run_helm,
    template,
    values_args,
)

FULLNAME = f"{RELEASE}-openecf"
KEY_FILES = " ".join(f"--from-file=keys/{process}.key" for process in PROCESSES)

NO_SECRET = {"serviceIdentity": {"existingSecret": {"name": ""}}}
SOME_KEYS = {
    "serviceIdentity": {
        "existingSecret": {"name": IDENTITY_SECRET},
        "publicKeys": {
            process: key
            for process, key in IDENTITY["serviceIdentity"]["publicKeys"].items()
            if process not in ("notify", "edge")
        },
    }
}


def _identity_refs(pod: dict[str, Any]) -> list[Any]:
    """Everything in a pod that reads the identity Secret: env entries, envFrom, volumes."""
    refs: list[Any] = []
    for container in pod.get("initContainers", []) + pod["containers"]:
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef", {})
            if ref.get("name") == IDENTITY_SECRET:
                refs.append((entry["name"], ref["key"]))
        for source in container.get("envFrom", []):
            if source.get("secretRef", {}).get("name") == IDENTITY_SECRET:
                refs.append(("envFrom", source))
    for volume in pod.get("volumes", []):
        secret = volume.get("secret", {}).get("secretName")
        projected = json.dumps(volume.get("projected", {}))
        if secret == IDENTITY_SECRET or IDENTITY_SECRET in projected:
            refs.append(("volume", volume))
    return refs


@pytest.mark.parametrize(
    ("values", "identity"),
    [(None, False), (NO_SECRET, True), (SOME_KEYS, False)],
    ids=["nothing", "no-secret", "two-keys-missing"],
)
def test_a_missing_identity_stops_the_render_with_the_commands_to_make_it(
    chart_tmp: Path, values: dict[str, Any] | None, identity: bool
) -> None:
    with pytest.raises(HelmError) as refused:
        template(chart_tmp, values, identity=identity)
    message = str(refused.value)
    assert "openecf keys generate --dir keys" in message
    assert f"kubectl create secret generic {IDENTITY_SECRET} --namespace ecf {KEY_FILES}" in message
    assert "serviceIdentity.existingSecret.name" in message
    assert "serviceIdentity.publicKeys" in message
    if values is SOME_KEYS:
        assert "publicKeys missing for: notify, edge" in message
    # One message: helm stops at the first failure, so the same text in NOTES or elsewhere
    # never follows it.
    assert message.count("openecf keys generate") == 1


def test_lint_reports_a_missing_identity(chart_tmp: Path) -> None:
    lint = run_helm("lint", "--strict", str(CHART), *values_args(chart_tmp, None, identity=False))
    assert "openecf keys generate" in lint.stdout + lint.stderr


def test_each_pod_gets_only_its_own_identity_key(render: Render) -> None:
    objects = render(ALL_FEATURES, api_versions=[MONITORING_API])
    specs = pod_specs(objects)
    deployments = {f"Deployment/{component_name(process)}": process for process in PROCESSES}
    assert set(deployments) <= set(specs)
    for name, pod in specs.items():
        refs = _identity_refs(pod)
        if name in deployments:
            assert refs == [("OPENECF_SERVICE_PRIVATE_KEY", f"{deployments[name]}.key")], name
        else:
            # The migrate hook, the maintenance CronJobs and the test pod call no service.
            assert refs == [], name
    assert len(specs) > len(deployments)  # the other pods were looked at too


def test_every_process_gets_everyones_public_keys(
    default_objects: list[dict[str, Any]],
) -> None:
    config = one(default_objects, "ConfigMap", FULLNAME)["data"]
    listed = dict(entry.split("=", 1) for entry in config["OPENECF_SERVICE_PUBLIC_KEYS"].split(","))
    assert listed == IDENTITY["serviceIdentity"]["publicKeys"]
    for process in PROCESSES:
        deployment = one(default_objects, "Deployment", component_name(process))
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert {"configMapRef": {"name": FULLNAME}} in container["envFrom"]


@pytest.mark.parametrize("values", [None, ALL_FEATURES], ids=["default", "all-features"])
def test_no_shared_service_secret_is_rendered(chart_tmp: Path, values: Any) -> None:
    manifests = template(chart_tmp, values, api_versions=[MONITORING_API])
    assert "OPENECF_SERVICE_SECRET" not in manifests
    assert "serviceSecret" not in manifests


def test_the_default_install_makes_no_chart_secret(default_objects: list[dict[str, Any]]) -> None:
    # Every secret comes from an existing Secret by default; nothing is generated any more.
    assert find(default_objects, "Secret") == []


@pytest.mark.parametrize(
    "identity",
    [
        {"existingSecret": "openecf-service-keys"},
        {"publicKeys": {"mallory": "A" * 43 + "="}},
        {"publicKeys": {"auth": "not-a-key"}},
        {"existingSecret": {"name": "Not_A_Name"}},
    ],
    ids=["secret-as-string", "unknown-process", "not-base64-key", "bad-secret-name"],
)
def test_the_schema_refuses_bad_identity_values(chart_tmp: Path, identity: dict[str, Any]) -> None:
    with pytest.raises(HelmError) as refused:
        template(chart_tmp, {"serviceIdentity": identity})
    assert "values don't meet the specifications of the schema" in str(refused.value)


def test_notes_name_the_identity_secret(chart_tmp: Path) -> None:
    """NOTES.txt renders at install time only; a client-side dry run shows it."""
    printed = install_dry_run(chart_tmp)
    assert f'identity key comes from Secret "{IDENTITY_SECRET}"' in printed
    assert "service secret" not in printed
