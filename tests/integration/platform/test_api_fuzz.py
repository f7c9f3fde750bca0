"""Schemathesis against the live /openapi.json: every operation, with and without a token.

Valid (positive) and invalid (negative) requests are generated. Each must be answered
without a 5xx, with a documented status and content type, and a body matching the
documented schema (errors are problem+json). The
examples per operation are few (FUZZ_EXAMPLES) so the run stays near a minute; the figures
are printed (pytest -s) for the record.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from schemathesis import checks
from support.api import register

POSITIVE = schemathesis.GenerationMode.POSITIVE
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# Left out with a valid token only: each would end the fuzzing session's own token.
ENDS_THE_SESSION = {"DELETE /api/v1/sessions/current"}


def _takes_data(operation: schemathesis.APIOperation) -> bool:
    locations = {getattr(p.location, "value", p.location) for p in operation.iter_parameters()}
    return bool(operation.get_request_payload_content_types()) or "query" in locations


def _fuzz(
    operation: schemathesis.APIOperation,
    edge_url: str,
    headers: dict[str, str],
    statuses: Counter[int],
    mode: schemathesis.GenerationMode,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=edge_url, headers=headers, timeout=30)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    run()


def test_fuzz_every_operation_with_and_without_a_token(edge_url: str) -> None:
    person, _ = register(edge_url)
    schema = schemathesis.openapi.from_url(f"{edge_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the whole API, not a handful
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    unsatisfiable: list[str] = []
    started = time.monotonic()
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        # Invalid data only where the client chooses data (a body or a query): a path of
        # plain strings has no invalid form to generate.
        modes = list(schemathesis.GenerationMode) if _takes_data(operation) else [POSITIVE]
        for auth, mode in itertools.product(("anonymous", "token"), modes):
            if auth == "token" and label in ENDS_THE_SESSION:
                continue
            headers = {"Authorization": f"Bearer {person.token}"} if auth == "token" else {}
            try:
                _fuzz(operation, edge_url, headers, statuses, mode)
            except (Unsatisfiable, FlakyStrategyDefinition):
                unsatisfiable.append(f"{label} ({auth}, {mode.value})")
            except Exception as exc:  # one line per failing operation, all of them reported
                first_line = str(exc).splitlines()[0][:300] if str(exc) else repr(exc)
                failures.append(f"{label} ({auth}, {mode.value}): {first_line}")
    elapsed = time.monotonic() - started
    server_errors = sum(n for status, n in statuses.items() if status >= 500 and status != 503)
    print(
        f"\nfuzz: {len(operations)} operations, {sum(statuses.values())} cases in "
        f"{elapsed:.0f} s, statuses {dict(sorted(statuses.items()))}, 5xx {server_errors}; "
        f"no invalid data to generate for: {unsatisfiable}"
    )
    assert failures == [], "\n".join(failures)
    assert server_errors == 0
