"""Session fixtures: one real stack (PostgreSQL, Kafka, SMTP sink, every service)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support import scheduling
from support.api import Api
from support.stack import start_stack

from services.stack.supervisor import LocalStack


def pytest_configure(config: pytest.Config) -> None:
    # --basetemp=.openecf/pytest (pyproject) needs its parent: a fresh checkout has none yet.
    (config.rootpath / ".openecf").mkdir(exist_ok=True)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return scheduling.make_scheduler(config, log)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if "stack" in item.fixturenames:  # type: ignore[attr-defined]
        scheduling.refuse_on_filler(item.nodeid)


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
