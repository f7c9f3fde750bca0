"""The suite's xdist scheduling (tests/support/scheduling.py), driven with stand-in workers:
every test runs once, the filler only ever gets files that leave the session's stack alone,
and every worker is shut down at the end (or the run would hang)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from support import scheduling
from support.scheduling import SuiteScheduling

# A long file that uses the stack keeps the other workers busy after the filler's are done.
COLLECTION = [
    *(f"tests/integration/filing/test_long.py::test_{n}" for n in range(20)),
    "tests/integration/auth/test_a.py::test_1",
    "tests/integration/auth/test_a.py::test_2",
    "tests/integration/auth/test_a.py::test_3",
    "tests/integration/docket/test_b.py::test_1",
    "tests/integration/docket/test_b.py::test_2",
    "tests/browser/test_c.py::test_1",
    "tests/unit/common/test_d.py::test_1",
    "tests/unit/common/test_d.py::test_2",
    "tests/unit/common/test_d.py::test_3",
    "tests/unit/common/test_d.py::test_4",
    "tests/artifact/test_first_run.py::test_1",
    "tests/faults/test_faults.py::test_1",
    "tests/faults/test_replicas.py::test_1",
    "tests/chart/test_e.py::test_1",
    "tests/chart/test_e.py::test_2",
]


@dataclass(eq=False)
class StandIn:
    """What the scheduler sees of a worker: its id, what it is sent, its shutdown."""

    number: int
    sent: list[int] = field(default_factory=list)
    ran: list[int] = field(default_factory=list)
    shutting_down: bool = False

    @property
    def gateway(self) -> Any:
        return SimpleNamespace(id=f"gw{self.number}")

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def run(workers: int) -> list[StandIn]:
    """Schedule COLLECTION on ``workers`` stand-ins, each running its oldest pending test in
    turn, until every one is shut down and has run what it was sent."""
    config = SimpleNamespace(
        option=SimpleNamespace(loadscopereorder=True),
        getvalue=lambda name: {"tx": [f"{workers}*popen"], "dist": "loadfile"}[name],
    )
    scheduler = SuiteScheduling(config)  # type: ignore[arg-type]
    nodes = [StandIn(n) for n in range(workers)]
    for node in nodes:
        scheduler.add_node(node)  # type: ignore[arg-type]
        scheduler.add_node_collection(node, COLLECTION)  # type: ignore[arg-type]
    scheduler.schedule()
    for _ in range(10 * len(COLLECTION)):
        busy = [n for n in nodes if len(n.ran) < len(n.sent)]
        if not busy:
            break
        for node in busy:
            index = node.sent[len(node.ran)]
            node.ran.append(index)
            scheduler.mark_test_complete(node, index)  # type: ignore[arg-type]
    assert all(n.shutting_down for n in nodes), "a worker was never shut down: the run hangs"
    return nodes


def files(node: StandIn) -> set[str]:
    return {COLLECTION[i].split("::")[0] for i in node.ran}


@pytest.mark.parametrize("workers", [1, 2, 3, 4, 6])
def test_every_test_runs_once_and_every_worker_is_released(workers: int) -> None:
    nodes = run(workers)
    ran = sorted(i for node in nodes for i in node.ran)
    assert ran == list(range(len(COLLECTION)))


@pytest.mark.parametrize("workers", [2, 4])
def test_the_filler_gets_only_files_without_the_session_stack(workers: int) -> None:
    *stacked, filler = run(workers)
    assert files(filler), "the filler ran nothing"
    assert all(scheduling.without_session_stack(f) for f in files(filler))
    on_stacks = {f for node in stacked for f in files(node)}
    using_stack = {f for f in on_stacks if not scheduling.without_session_stack(f)}
    assert using_stack == {
        "tests/integration/filing/test_long.py",
        "tests/integration/auth/test_a.py",
        "tests/integration/docket/test_b.py",
        "tests/browser/test_c.py",
    }


def test_the_filler_starts_with_the_files_of_fewest_tests() -> None:
    *_, filler = run(4)
    assert COLLECTION[filler.ran[0]] == "tests/artifact/test_first_run.py::test_1"


def test_a_package_of_package_scoped_fixtures_stays_on_one_worker() -> None:
    nodes = run(4)
    holders = [n for n in nodes if any(f.startswith("tests/faults/") for f in files(n))]
    assert len(holders) == 1


def test_one_worker_has_no_filler() -> None:
    assert scheduling.filler_id(1) is None
    assert scheduling.filler_id(4) == "gw3"


def test_a_test_of_the_session_stack_on_the_filler_fails_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    scheduling.refuse_on_filler("tests/unit/test_x.py::test_y")  # not the filler: no error
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    with pytest.raises(AssertionError, match="WITHOUT_SESSION_STACK"):
        scheduling.refuse_on_filler("tests/unit/test_x.py::test_y")
