"""Session fixtures: one real stack (PostgreSQL, Kafka, SMTP sink, every service)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.stack import start_stack

from services.stack.supervisor import LocalStack


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
