"""The image the chart runs (deploy/docker/Dockerfile), read statically: no Docker engine
runs here. It must agree with the chart (user, entry point, ports) and keep dev tools out."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import yaml
from chart.helm_render import CHART, REPO

DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction in _instructions():
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _values() -> dict[str, Any]:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def test_base_image_is_pinned_python_311_slim() -> None:
    args = dict(a[1].split("=", 1) for a in _instructions() if a[0] == "ARG" and "=" in a[1])
    assert args["PYTHON_IMAGE"].startswith("python:3.11-slim-bookworm")
    # Every stage starts from that base or from a stage above it.
    stages: list[str] = []
    for word, argument in _instructions():
        if word == "FROM":
            base, _, name = argument.split()
            assert base == "${PYTHON_IMAGE}" or base in stages, argument
            stages.append(name)


def test_build_is_multi_stage_and_installs_the_project_once_pinned() -> None:
    deps, build, runtime = _stages()
    assert deps[0] == ("FROM", "${PYTHON_IMAGE} AS deps")
    assert build[0] == ("FROM", "deps AS build")
    # The dependencies' stage sees only the files that name them, so a code change reuses it.
    assert [a for i, a in deps if i == "COPY"] == ["pyproject.toml constraints.txt ./"]
    deps_runs = " ".join(a for i, a in deps if i == "RUN")
    assert "--constraint constraints.txt --requirement /tmp/requirements.txt" in deps_runs
    assert "venv --without-pip /opt/openecf" in deps_runs  # no installer in what ships
    runs = " ".join(a for i, a in build if i == "RUN")
    assert re.search(r"pip wheel [^&]*--constraint constraints\.txt [^&]* \.(\s|$)", runs)
    assert re.search(r"install [^&]*--no-deps [^&]*--root /opt/app /tmp/wheel/\*\.whl", runs)
    for text in (deps_runs, runs):
        assert "--editable" not in text and " -e " not in text and "[dev]" not in text
    # Two layers: the dependencies, then the project's own files laid over them.
    assert [f"COPY {a}" for i, a in runtime if i == "COPY"] == [
        "COPY --from=deps /opt/openecf /opt/openecf",
        "COPY --from=build /opt/app/ /",
    ]
    # Nothing is pip-installed in the final stage; it only removes pip.
    final_runs = " ".join(a for i, a in runtime if i == "RUN")
    assert "pip install" not in final_runs
    for tool in ("pytest", "ruff", "mypy", "grpcio-tools", "gcc", "build-essential"):
        assert tool not in DOCKERFILE.read_text().split("FROM ${PYTHON_IMAGE} AS runtime")[1], tool


def test_final_stage_runs_openecf_as_the_charts_user() -> None:
    runtime = _stages()[-1]
    users = [a for i, a in runtime if i == "USER"]
    assert users == ["10001:10001"]
    values = _values()
    assert values["podSecurityContext"]["runAsUser"] == 10001
    assert values["podSecurityContext"]["runAsGroup"] == 10001
    assert values["securityContext"]["runAsUser"] == 10001
    assert [a for i, a in runtime if i == "ENTRYPOINT"] == ['["openecf"]']
    env = " ".join(a for i, a in runtime if i == "ENV")
    assert "OPENECF_BIND_HOST=0.0.0.0" in env
    assert "HOME=/tmp" in env  # the only writable path under readOnlyRootFilesystem


def test_exposed_ports_are_the_charts_ports() -> None:
    exposed = {int(p) for i, a in _instructions() if i == "EXPOSE" for p in a.split()}
    values = _values()
    ports = {s["port"] for s in values["services"].values()}
    ports |= {values["config"]["metricsPortBase"] + i for i in range(6)}
    assert exposed == ports


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, simplified: the last pattern matching the path or a parent decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.lstrip("!").rstrip("/")
        globs = [glob, glob.replace("**/", "")] if glob.startswith("**/") else [glob]
        if any(fnmatch.fnmatchcase(p, g) for p in prefixes for g in globs):
            ignored = not negate
    return ignored


def test_dockerignore_lets_in_exactly_what_the_dockerfile_copies() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = [
        src.rstrip("/")
        for i, a in _instructions()
        if i == "COPY" and not a.startswith("--from")
        for src in a.split()[:-1]
    ]
    assert copied
    for source in copied:
        assert (REPO / source).exists(), source
        assert not _ignored(source, patterns), source
    for sample in ("services/common/settings.py", "gen/python/court/__init__.py"):
        assert not _ignored(sample, patterns), sample
    for kept_out in (
        "tests/conftest.py",
        "deploy/helm/openecf/values.yaml",
        ".venv/bin/python",
        ".openecf/cache",
        ".git/HEAD",
        "services/common/__pycache__/settings.cpython-311.pyc",
        "bench/results.json",
    ):
        assert _ignored(kept_out, patterns), kept_out


def test_the_package_data_the_image_needs_is_in_the_context() -> None:
    """Migrations (SQL) and the edge's templates ship inside the package directories."""
    sql = list((REPO / "services").glob("*/migrations/*.sql"))
    assert sql, "no migrations found"
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in sql:
        assert not _ignored(str(Path(path).relative_to(REPO)), patterns), path
