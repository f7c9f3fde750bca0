"""Fixtures of the docket tests (the driver is in docket_driver.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docket_driver import DocketDriver
from support.api import Api, register, unique

from services.common.kafka import make_producer
from services.stack.supervisor import LocalStack


@pytest.fixture(scope="session")
def docket(stack: LocalStack, edge_url: str) -> Iterator[DocketDriver]:
    producer = make_producer(stack.settings.kafka_bootstrap, client_id="test")
    try:
        yield DocketDriver(
            producer=producer, bootstrap=stack.settings.kafka_bootstrap, edge_url=edge_url
        )
    finally:
        producer.close(timeout=5)


@pytest.fixture(scope="session")
def public(edge_url: str) -> Api:
    """A logged-in member of the public (a PACER user with no filing rights)."""
    api, _ = register(edge_url, "public")
    return api


@pytest.fixture
def title() -> str:
    """A case title no other test uses (one unique word to search for)."""
    return f"Lopez v. Agency {unique('Docket')}"
