"""The operator's runbook is the chart's README.md: `helm show readme` prints it, it has the
sections a court's operations team needs, its YAML is valid, and its TLS example renders."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart.helm_render import CHART, PROCESSES, RELEASE, REPO, Render, component_name, run_helm

from services.common.identity import load_public_keys, public_key_text

SECTIONS = (
    "The image",
    "Install with CloudNativePG and Strimzi",
    "TLS to PostgreSQL and the SMTP relay",
    "The first administrator",
    "Backups and point-in-time recovery",
    "Object store versioning",
    "Restore drill",
    "Upgrades",
    "Rollback",
    "Sizing",
    "Surviving a node or zone loss",
)


@pytest.fixture(scope="module")
def readme() -> str:
    shown = run_helm("show", "readme", str(CHART))
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"(?m)^## (?:\d+\. )?(.+)$", text)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"(?ms)^```{language}\n(.*?)^```", text)


def test_helm_show_readme_prints_the_runbook(readme: str) -> None:
    assert readme.strip()
    assert readme.strip() == (CHART / "README.md").read_text().strip()
    sections = _sections(readme)
    missing = [name for name in SECTIONS if name not in sections]
    assert missing == [], f"the runbook lacks {missing}; it has {list(sections)}"
    # One copy: the runbook is no longer kept outside the chart.
    assert not (REPO / "deploy" / "helm" / "README.md").exists()


def test_every_yaml_block_parses(readme: str) -> None:
    blocks = _blocks(readme, "yaml")
    assert len(blocks) >= 6
    for block in blocks:
        list(yaml.safe_load_all(block))


def _documents(readme: str, section: str) -> list[dict[str, Any]]:
    text = _sections(readme)[section]
    return [d for block in _blocks(text, "yaml") for d in yaml.safe_load_all(block) if d]


def test_backups_are_cloudnativepg_object_store_scheduled_backup_and_pitr(readme: str) -> None:
    docs = {d["kind"]: d for d in _documents(readme, "Backups and point-in-time recovery")}
    store, scheduled, recovered = docs["ObjectStore"], docs["ScheduledBackup"], docs["Cluster"]
    assert store["apiVersion"] == "barmancloud.cnpg.io/v1"
    assert store["spec"]["retentionPolicy"]
    assert scheduled["spec"]["method"] == "plugin"
    assert scheduled["spec"]["cluster"]["name"] == "openecf-db"
    # CloudNativePG's schedules have six fields (seconds first).
    assert len(scheduled["spec"]["schedule"].split()) == 6
    recovery = recovered["spec"]["bootstrap"]["recovery"]
    assert recovery["recoveryTarget"]["targetTime"]
    (origin,) = recovered["spec"]["externalClusters"]
    assert origin["name"] == recovery["source"]
    assert origin["plugin"]["parameters"]["barmanObjectName"] == store["metadata"]["name"]
    assert origin["plugin"]["parameters"]["serverName"] == "openecf-db"
    # The cluster of section 3 archives its WAL to that store.
    install = {d["kind"]: d for d in _documents(readme, "Install with CloudNativePG and Strimzi")}
    (plugin,) = install["Cluster"]["spec"]["plugins"]
    assert plugin["isWALArchiver"] is True
    assert plugin["parameters"]["barmanObjectName"] == store["metadata"]["name"]


def test_the_restore_drill_is_written_as_commands(readme: str) -> None:
    drill = _sections(readme)["Restore drill"]
    (commands,) = _blocks(drill, "sh")
    for step in (
        "kubectl apply",
        "kubectl -n $NS wait cluster/openecf-db-drill",
        "diff drill-before.txt drill-after.txt",
        "helm install court-drill",
        "helm test court-drill",
        "helm uninstall court-drill",
        "kubectl -n $NS delete cluster openecf-db-drill",
    ):
        assert step in commands, step
    # The copy never joins the court's Kafka or mails anyone.
    assert "--set kafka.bootstrap=" in commands
    assert "--set smtp.host=" in commands


def test_object_store_versioning_is_turned_on_and_checked(readme: str) -> None:
    text = _sections(readme)["Object store versioning"]
    assert "put-bucket-versioning" in text and "Status=Enabled" in text
    assert "NoncurrentVersionExpiration" in text
    assert "copy-object" in text and "versionId=" in text


def test_the_first_administrator_never_has_a_password_on_a_command_line(readme: str) -> None:
    for line in readme.splitlines():
        assert not re.search(r"--password[ =]['\"]", line), line
    assert "--password-stdin" in _sections(readme)["The first administrator"]


def test_the_tls_example_mounts_the_ca_where_the_database_url_expects_it(
    readme: str, render: Render
) -> None:
    text = _sections(readme)["TLS to PostgreSQL and the SMTP relay"]
    (values,) = [yaml.safe_load(b) for b in _blocks(text, "yaml")]
    (root_cert,) = re.findall(r"sslrootcert=(\S+?)['&\s]", text)[:1]
    objects = render(values)
    mount = values["extraVolumeMounts"][0]["mountPath"]
    assert Path(root_cert).parent == Path(mount)
    notify = component_name("notify")
    for obj in objects:
        if obj["kind"] not in {"Deployment", "Job", "CronJob"}:
            continue
        template = obj["spec"].get("jobTemplate", obj)["spec"]["template"]["spec"]
        for container in template["containers"]:
            assert mount in [m["mountPath"] for m in container["volumeMounts"]], obj["kind"]
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            if obj["metadata"]["name"] == notify:
                assert Path(env["SSL_CERT_FILE"]).parent == Path(mount)
            else:
                assert "SSL_CERT_FILE" not in env


def _identity_blocks(readme: str) -> tuple[str, str]:
    blocks = _blocks(_sections(readme)["Secrets"], "sh")
    (generate,) = [b for b in blocks if "openecf keys generate" in b]
    (secret,) = [b for b in blocks if "kubectl" in b and "openecf-service-keys" in b]
    return generate, secret


def test_the_identity_commands_make_keys_the_chart_installs_with(
    readme: str, tmp_path: Path
) -> None:
    """The runbook's commands, run as written with this project's `openecf`: the values file
    they make holds every process's public key from `keys/`, and the chart renders with it."""
    generate, secret = _identity_blocks(readme)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", generate],
        cwd=tmp_path,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    values = yaml.safe_load((tmp_path / "identity-values.yaml").read_text())
    on_disk = load_public_keys(tmp_path / "keys", PROCESSES)
    assert values["serviceIdentity"] == {
        "existingSecret": {"name": "openecf-service-keys"},
        "publicKeys": {name: public_key_text(key) for name, key in on_disk.items()},
    }
    assert set(on_disk) == set(PROCESSES)
    # The Secret gets exactly one <process>.key entry per process, and no public key file.
    assert re.findall(r"--from-file=(\S+)", secret) == [f"keys/{p}.key" for p in PROCESSES]
    for process in PROCESSES:
        assert (tmp_path / "keys" / f"{process}.key").exists()
    rendered = run_helm(
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        "ecf",
        "--values",
        str(tmp_path / "identity-values.yaml"),
    )
    assert rendered.returncode == 0, rendered.stderr


def test_every_install_command_takes_the_identity_values(readme: str) -> None:
    installs = re.findall(r"(?m)^helm (?:install|upgrade)\b.*$", readme)
    assert installs
    for line in installs:
        assert "-f identity-values.yaml" in line, line
