"""Session fixtures: one real stack (PostgreSQL, Kafka, SMTP sink, every service)."""

from __future__ import annotations

from collections import Counter
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


# The files that use the tools `make test` builds in the background (support/built_tools.py):
# they go out to the workers after the others, so that on a fresh machine they rarely wait, in
# this order: the long ones first, Helm's many quick renders last to even out the end.
USE_BUILT_TOOLS = (
    "tests/image/",
    "tests/browser/",
    "tests/integration/platform/test_services_health.py",  # grpcurl
    "tests/chart/",
)


def work_unit(nodeid: str) -> str:
    """What one worker runs whole: a test file, or one of WHOLE_PACKAGES."""
    package = next((p for p in WHOLE_PACKAGES if nodeid.startswith(p)), None)
    return package or nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """xdist's own order (the work units with the most tests first), except that the units
    using built tools come last; `make test` passes --no-loadscope-reorder to keep it."""
    sizes = Counter(work_unit(item.nodeid) for item in items)

    def rank(item: pytest.Item) -> tuple[int, int]:
        unit = work_unit(item.nodeid)
        tool = next((i for i, p in enumerate(USE_BUILT_TOOLS) if unit.startswith(p)), -1)
        return tool, -sizes[unit]

    items.sort(key=rank)  # stable: a unit's tests keep their order, ties their file order


def pytest_configure(config: pytest.Config) -> None:
    # --basetemp=.openecf/pytest (pyproject) needs its parent: a fresh checkout has none yet.
    (config.rootpath / ".openecf").mkdir(exist_ok=True)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None  # xdist's own scheduler for any other mode

    from xdist.scheduler import LoadFileScheduling

    class PackageAwareScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

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
