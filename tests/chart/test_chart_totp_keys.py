"""The keys sealing TOTP secrets at rest: every install needs them (a missing one stops the
render with the command that makes them), only auth's pod receives them, from an existing
Secret or from the chart's own Secret, and the runbook's command makes a key auth accepts."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from chart.helm_render import (
    ALL_FEATURES,
    MONITORING_API,
    PROCESSES,
    RELEASE,
    TOTP_SECRET,
    HelmError,
    Render,
    component_name,
    one,
    template,
)

from services.auth.totp_keys import TotpKeyring, new_key_line

README = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "openecf" / "README.md"
NO_KEYS = {"totpKeys": {"value": "", "existingSecret": {"name": ""}}}
SETTING = "OPENECF_AUTH_TOTP_KEYS"


def _totp_env(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Every pod template's OPENECF_AUTH_TOTP_KEYS reference, by "<Kind>/<name>"."""
    found = {}
    for obj in objects:
        spec = obj.get("spec", {})
        if obj["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        pod = spec.get("template", {}).get("spec") if obj["kind"] != "Pod" else spec
        if not pod:
            continue
        for container in pod.get("initContainers", []) + pod["containers"]:
            for entry in container.get("env", []):
                if entry["name"] == SETTING:
                    found[f"{obj['kind']}/{obj['metadata']['name']}"] = entry["valueFrom"]
    return found


def test_missing_keys_stop_the_render_with_the_command_that_makes_them(chart_tmp: Path) -> None:
    with pytest.raises(HelmError) as refused:
        template(chart_tmp, NO_KEYS)
    message = str(refused.value)
    assert "totpKeys is required" in message
    assert (
        "kubectl create secret generic openecf-totp-keys --namespace ecf"
        ' --from-literal=totpKeys="k1:$(openssl rand -base64 32)"'
    ) in message
    assert "totpKeys.existingSecret.name=openecf-totp-keys" in message


def test_only_auth_receives_the_keys_from_the_existing_secret(render: Render) -> None:
    objects = render(ALL_FEATURES, api_versions=[MONITORING_API])
    assert _totp_env(objects) == {
        f"Deployment/{component_name('auth')}": {
            "secretKeyRef": {"name": TOTP_SECRET, "key": "totpKeys"}
        }
    }
    assert len(PROCESSES) > 1  # the other deployments were rendered and have none


def test_keys_given_as_a_value_live_in_the_charts_secret(render: Render) -> None:
    line = new_key_line("k1")
    objects = render({"totpKeys": {"value": line, "existingSecret": {"name": ""}}})
    secret = one(objects, "Secret", f"{RELEASE}-openecf")
    assert base64.b64decode(secret["data"]["totpKeys"]).decode() == line
    assert _totp_env(objects) == {
        f"Deployment/{component_name('auth')}": {
            "secretKeyRef": {"name": f"{RELEASE}-openecf", "key": "totpKeys"}
        }
    }


def test_a_malformed_value_is_refused_by_the_schema(chart_tmp: Path) -> None:
    with pytest.raises(HelmError, match="totpKeys"):
        template(chart_tmp, {"totpKeys": {"value": "k1:short", "existingSecret": {"name": ""}}})


def test_the_runbooks_command_makes_a_key_auth_accepts() -> None:
    (command,) = re.findall(r'--from-literal=totpKeys="([^"]+)"', README.read_text())
    made = subprocess.run(
        ["bash", "-c", f'echo "{command}"'], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert TotpKeyring.parse(made).current_id == "k1"
