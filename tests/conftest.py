"""Session fixtures: one real stack (PostgreSQL, Kafka, SMTP sink, every service)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.api import Api
from support.stack import start_stack

from services.stack.supervisor import LocalStack

# Packages whose fixtures are package-scoped: under `--dist loadfile` their files go to one
# worker together, or each worker given one of them would start the fixture again (the fault
# suite's stack: two replicas of every service).
WHOLE_PACKAGES = ("tests/faults/",)


def pytest_configure(config: pytest.Config) -> None:
    # --basetemp=.openecf/pytest (pyproject) needs its parent: a fresh checkout has none yet.
    (config.rootpath / ".openecf").mkdir(exist_ok=True)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None  # xdist's own scheduler for any other mode

    from xdist.scheduler import LoadFileScheduling

    class PackageAwareScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            package = next((p for p in WHOLE_PACKAGES if nodeid.startswith(p)), None)
            return package or str(super()._split_scope(nodeid))

    return PackageAwareScheduling(config, log)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield running
    finally:
        running.down()


@pytest.fixture(scope="session")
def database_url(stack: LocalStack) -> str:
    return stack.settings.require_database_url()


@pytest.fixture(scope="session")
def edge_url(stack: LocalStack) -> str:
    return f"http://127.0.0.1:{stack.settings.edge_port}"


@pytest.fixture(scope="session")
def clerk(stack: LocalStack, edge_url: str) -> Api:
    """The demo clerk the stack creates, logged in."""
    entry = next(a for a in stack.demo_accounts if a["role"] == "clerk")
    api = Api(edge_url)
    assert api.login(entry["username"], entry["password"]).status_code == 201
    return api


@pytest.fixture(scope="session")
def admin(stack: LocalStack, edge_url: str) -> Api:
    entry = next(a for a in stack.demo_accounts if a["role"] == "admin")
    api = Api(edge_url)
    assert api.login(entry["username"], entry["password"]).status_code == 201
    return api
