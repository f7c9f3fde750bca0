"""The notify tests' session fixture: one kit over the shared stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notify_kit import NotifyKit

from services.stack.supervisor import LocalStack


@pytest.fixture(scope="session")
def notify_kit(stack: LocalStack, edge_url: str) -> Iterator[NotifyKit]:
    made = NotifyKit(stack, edge_url)
    try:
        yield made
    finally:
        made.close()
