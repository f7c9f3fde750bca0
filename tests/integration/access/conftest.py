"""The access tests' session fixture: one kit over the shared stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from access_kit import AccessKit

from services.stack.supervisor import LocalStack


@pytest.fixture(scope="session")
def kit(stack: LocalStack) -> Iterator[AccessKit]:
    made = AccessKit(stack)
    try:
        yield made
    finally:
        made.close()
