"""The fault suite's own stack: two replicas of every service and the edge, one database, one
broker, one SMTP sink. Settings for a run: ``OPENECF_FAULTS_FILINGS`` (150 in ``make test``,
1,000 in ``make faults``) and ``OPENECF_FAULTS_SEED`` (reproduces a run's schedule)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.api import Api
from support.stack import start_stack

from services.stack.supervisor import LocalStack

REPLICAS = 2


@pytest.fixture(scope="package")
def replicated_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = start_stack(
        tmp_path_factory.mktemp("faults-stack"),
        replicas=REPLICAS,
        overrides={
            # The orphan sweep within the run: a submit not committed after 15 s is abandoned
            # (the client retries), its documents reclaimed within a second.
            "filing_orphan_grace_seconds": 15.0,
            "filing_orphan_sweep_seconds": 1.0,
            # Mail the SMTP sink refused while it was down goes again within a second.
            "mail_retry_seconds": 1.0,
        },
    )
    try:
        yield running
    finally:
        running.down()


@pytest.fixture(scope="package")
def faults_clerk(replicated_stack: LocalStack) -> Api:
    entry = next(a for a in replicated_stack.demo_accounts if a["role"] == "clerk")
    api = Api(replicated_stack.edge_urls[0])
    assert api.login(entry["username"], entry["password"]).status_code == 201
    return api
