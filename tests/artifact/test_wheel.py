"""What a court installs is the wheel (the image installs it), not this working tree.

The wheel is built from pyproject.toml, installed into a fresh virtual environment with the
pinned dependencies (no editable install, nothing from the checkout on the path), and its own
`openecf` console script runs the six processes against real PostgreSQL, Kafka and SMTP; a
person then registers, logs in and files a petition through that edge.

Built and installed with uv, the installer `make` uses (OPENECF_UV; the Makefile passes its
own): the artifact is what is tested here, and the image test installs it with pip as the
Dockerfile does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.api import Api, efiler, file, petition, register, remember_maildir
from support.pdf_corpus import text_1_page
from support.stack import JAR_CACHE, stack_settings
from support.tools import tool_path

from services.common.identity import private_key_path
from services.common.settings import PROCESS_NAMES
from services.stack.supervisor import LocalStack

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.stack


def uv() -> str:
    return tool_path("uv", "`make setup` (run by `make test`) installs it")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [uv(), "build", "--quiet", "--native-tls", "--wheel", "--out-dir", str(out), str(REPO)],
        check=True,
        timeout=600,
    )
    (built,) = out.glob("openecf-*.whl")
    return built


def test_the_wheel_carries_every_file_the_code_reads(wheel: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "services"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    data_files = {name for name in tracked if not name.endswith(".py")}
    assert data_files, "git ls-files found no data files under services/"
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    missing = sorted(data_files - shipped)
    assert missing == [], f"pyproject.toml's package-data leaves these out of the wheel: {missing}"
    # Every Python module too, and the generated contracts.
    modules = {name for name in tracked if name.endswith(".py")}
    assert sorted(modules - shipped) == []
    assert "court/v1/filing_pb2.py" in shipped


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel and its pinned runtime dependencies only (no extras)."""
    home = tmp_path_factory.mktemp("venv") / "openecf"
    subprocess.run([uv(), "venv", "--quiet", "--python", sys.executable, str(home)], check=True)
    subprocess.run(
        [
            uv(),
            "pip",
            "install",
            "--quiet",
            "--native-tls",
            "--compile-bytecode",
            "--python",
            str(home / "bin" / "python"),
            "--constraint",
            str(REPO / "constraints.txt"),
            str(wheel),
        ],
        check=True,
        timeout=900,
    )
    return home


@pytest.fixture(scope="module")
def wheel_stack(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    outside = tmp_path_factory.mktemp("outside-the-checkout")
    stack = LocalStack(
        settings=stack_settings(tmp_path_factory.mktemp("wheel-stack")),
        cache_dir=JAR_CACHE,
        announce=lambda _line: None,
        openecf=[str(installed / "bin" / "openecf")],
        child_cwd=outside,
        fork_children=False,  # each process from the wheel's venv (no fork server there)
    )
    saved = os.environ.pop("PYTHONPATH", None)
    try:
        stack.up()
        remember_maildir(stack.settings.edge_port, stack.maildir)  # register() confirms by mail
        yield stack
    finally:
        stack.down()
        if saved is not None:
            os.environ["PYTHONPATH"] = saved


def test_the_installed_package_imports_nothing_from_the_checkout(installed: Path) -> None:
    where = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import services, court; print(services.__file__)",
        ],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(installed)), where


def test_the_installed_command_checks_a_password_and_answers_in_one_line(installed: Path) -> None:
    # The common-passwords list ships in the wheel: a weak password is refused by name, and
    # a missing database is one line, not a traceback.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENECF_")}
    run = subprocess.run(
        [
            str(installed / "bin" / "openecf"),
            "account",
            "create",
            "--role",
            "public",
            "--username",
            "weakling",
            "--password",
            "password1234",
            "--email",
            "weak@example.org",
        ],
        cwd="/",
        env={**env, "OPENECF_DATA_DIR": "/nonexistent"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2  # a bad argument (the README: exit status 2)
    assert "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert "common" in run.stderr.lower(), run.stderr


def test_the_wheel_runs_the_platform_register_log_in_and_file(wheel_stack: LocalStack) -> None:
    for child in wheel_stack.children.values():
        if child.name != "smtp":
            assert child.argv[0].endswith("/bin/openecf"), child.argv
    edge = f"http://127.0.0.1:{wheel_stack.settings.edge_port}"
    clerk_entry = next(a for a in wheel_stack.demo_accounts if a["role"] == "clerk")
    clerk = Api(edge)
    assert clerk.login(clerk_entry["username"], clerk_entry["password"]).status_code == 201

    public, _ = register(edge, "public")  # registration checks the password list
    assert public.get("/api/v1/accounts/me").status_code == 200

    attorney = efiler(edge, clerk)
    receipt = file(attorney, petition(), text_1_page(), key="wheel-petition")
    assert receipt.status_code == 201, receipt.text
    assert receipt.json()["status"] in {"received", "docketed"}


def test_each_process_started_on_its_own_holds_only_its_own_private_key(
    wheel_stack: LocalStack,
) -> None:
    """As pods are given theirs: in its environment, its own private key and no other."""
    keys_dir = wheel_stack.settings.keys_dir
    keys = {name: private_key_path(keys_dir, name).read_text() for name in PROCESS_NAMES}
    for name in PROCESS_NAMES:
        process = wheel_stack.children[name].process
        assert process is not None and process.poll() is None
        environ = Path(f"/proc/{process.pid}/environ").read_bytes().decode(errors="replace")
        held = [other for other, pem in keys.items() if pem.strip() in environ]
        assert held == [name], (name, held)
