"""Rendering the chart with the real Helm 4 CLI, and finding the rendered objects.

Helm comes from `make tools` (built from the Go module proxy) and is passed as OPENECF_HELM;
without it the chart tests fail, they never skip.
"""

from __future__ import annotations

import base64
import functools
import json
import subprocess
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from support.tools import tool_path

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "openecf"
RELEASE = "court"
NAMESPACE = "ecf"
MONITORING_API = "monitoring.coreos.com/v1"

PROCESSES = ("auth", "filing", "docket", "notify", "access", "edge")
GRPC_SERVICES = PROCESSES[:5]
GRPC_PORTS = {"auth": 50051, "filing": 50052, "docket": 50053, "notify": 50054, "access": 50055}

# Every optional feature on: what the "all features" render, lint and validation use.
ALL_FEATURES: dict[str, Any] = {
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "64m"},
        "hosts": [{"host": "ecf.court.example", "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"secretName": "ecf-tls", "hosts": ["ecf.court.example"]}],
    },
    "metrics": {
        "serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}},
        "prometheusRule": {
            "enabled": True,
            "labels": {"release": "kube-prometheus-stack"},
            "runbookBaseUrl": "https://runbooks.court.example/openecf",
        },
        "grafanaDashboard": {"enabled": True, "annotations": {"grafana_folder": "OpenECF"}},
    },
    "services": {
        name: {
            "autoscaling": {"enabled": True, "targetMemoryUtilizationPercentage": 80},
            "podDisruptionBudget": {"enabled": True, "minAvailable": "50%"},
            "extraEnv": [{"name": "OPENECF_EXAMPLE", "value": name}],
            "podAnnotations": {"example.court/process": name},
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/component": name}},
                }
            ],
        }
        for name in PROCESSES
    },
    "networkPolicy": {
        "enabled": True,
        "ingressController": {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
        },
        "dns": {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                    },
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ]
        },
        "database": {"ports": [5432], "to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]},
        "kafka": {"ports": [9093], "to": [{"ipBlock": {"cidr": "10.30.0.0/16"}}]},
        "smtp": {"to": [{"ipBlock": {"cidr": "192.0.2.25/32"}}]},
        "extraEgress": [{"to": [{"ipBlock": {"cidr": "10.40.0.0/16"}}], "ports": [{"port": 443}]}],
    },
    "database": {"url": "postgresql://ecf:secret@db.court.example:5432/ecf?sslmode=require"},
    "smtp": {"username": "ecf", "password": "relay-secret"},
    "imagePullSecrets": [{"name": "regcred"}],
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "court", "operator": "Exists", "effect": "NoSchedule"}],
    "affinity": {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "openecf"}},
                    },
                }
            ]
        }
    },
    "priorityClassName": "court-critical",
    "podAnnotations": {"example.court/team": "ecf"},
    "podLabels": {"example.court/tier": "app"},
    "commonLabels": {"example.court/owner": "clerk-it"},
}


class HelmError(AssertionError):
    """helm exited non-zero; the message holds its stderr."""


def helm_path() -> str:
    return tool_path("helm", "`make tools` (run by `make test`) builds it")


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helm_path(), *args], capture_output=True, text=True, timeout=60, check=False
    )


def _public_key_text() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


# The service identities and TOTP keys every install needs (a fresh key pair per process, per
# test session), as `identity-values.yaml` of the runbook gives them: the first --values of
# every render.
IDENTITY_SECRET = "openecf-service-keys"
TOTP_SECRET = "openecf-totp-keys"
IDENTITY: dict[str, Any] = {
    "serviceIdentity": {
        "existingSecret": {"name": IDENTITY_SECRET},
        "publicKeys": {name: _public_key_text() for name in PROCESSES},
    },
    # The keys sealing TOTP secrets at rest, required as well (chart README, "TOTP keys").
    "totpKeys": {"existingSecret": {"name": TOTP_SECRET}},
}


def values_args(
    tmp_dir: Path, values: dict[str, Any] | None, *, identity: bool = True
) -> list[str]:
    """Values go to Helm as files (JSON is YAML), exactly as a user's --values files would:
    the test identities first (unless identity=False), then the given values over them."""
    documents = ([IDENTITY] if identity else []) + ([values] if values else [])
    args = []
    for document in documents:
        path = tmp_dir / f"values-{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(document))
        args += ["--values", str(path)]
    return args


def template(
    tmp_dir: Path,
    values: dict[str, Any] | None = None,
    *,
    api_versions: Iterable[str] = (),
    release: str = RELEASE,
    extra: Iterable[str] = (),
    identity: bool = True,
) -> str:
    """`helm template`: the rendered manifests, or HelmError with helm's message."""
    args = ["template", release, str(CHART), "--namespace", NAMESPACE]
    for api in api_versions:
        args += ["--api-versions", api]
    result = run_helm(*args, *values_args(tmp_dir, values, identity=identity), *extra)
    if result.returncode != 0:
        raise HelmError(result.stderr)
    return result.stdout


def install_dry_run(tmp_dir: Path, *extra: str) -> str:
    """What `helm install` prints, the manifests and then NOTES.txt (which renders at install
    time only, so only an install's client-side dry run shows it)."""
    args = ["install", RELEASE, str(CHART), "--dry-run=client", "--namespace", NAMESPACE]
    result = run_helm(*args, *extra, *values_args(tmp_dir, None))
    assert result.returncode == 0, result.stderr
    return result.stdout


_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):
    """libyaml's parser when PyYAML has it (ten times faster), refusing duplicate keys as
    Helm's and the API server's parsers do (PyYAML would silently keep the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate keys {sorted(duplicates)}", node.start_mark
            )
        return super().construct_mapping(node, deep=deep)


def parse(manifests: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.load_all(manifests, Loader=_Loader) if doc]


def find(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [
        o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = find(objects, kind, name)
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every pod the chart can run, by "<Kind>/<name>": workloads' pod templates, CronJobs'
    job templates' and bare Pods (the helm test)."""
    specs = {}
    for obj in objects:
        name, spec = f"{obj['kind']}/{obj['metadata']['name']}", obj.get("spec", {})
        if obj["kind"] == "Pod":
            specs[name] = spec
        elif obj["kind"] == "CronJob":
            specs[name] = spec["jobTemplate"]["spec"]["template"]["spec"]
        elif "containers" in spec.get("template", {}).get("spec", {}):
            specs[name] = spec["template"]["spec"]
    return specs


# kubernetes-validate reads and parses its 1.4 MB definitions file again for every object;
# reading each schema file once keeps the whole validation matrix to a few seconds.
if hasattr(kubernetes_validate.utils, "schema_contents"):
    kubernetes_validate.utils.schema_contents = functools.lru_cache(maxsize=None)(
        kubernetes_validate.utils.schema_contents
    )


def validate(objects: list[dict[str, Any]], version: str) -> list[str]:
    """Every object checked against Kubernetes' own schemas (strict: no unknown fields).

    The Prometheus Operator kinds have no schema there; they are checked structurally by the
    monitoring tests. Returns the kinds that were not validated.
    """
    skipped = []
    for obj in objects:
        if obj["apiVersion"] == MONITORING_API:
            skipped.append(obj["kind"])
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            raise AssertionError(
                f"{obj['kind']}/{obj['metadata']['name']} is invalid for Kubernetes {version}: "
                f"{path}: {error.message}"
            ) from None
    return skipped


def component_name(process: str, release: str = RELEASE) -> str:
    return f"{release}-openecf-{process}"


Render = Callable[..., list[dict[str, Any]]]
