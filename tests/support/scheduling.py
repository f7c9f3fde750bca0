"""How `make test` spreads the test files over pytest-xdist's workers (issue 14).

`--dist loadfile`, with two changes:

- a package of ``WHOLE_PACKAGES`` is one unit: its fixtures are package-scoped, so each worker
  given one of its files would start them again (the fault suite's stack: two replicas of
  every service);
- with two workers or more, the last one is a *filler*: it runs only files of
  ``WITHOUT_SESSION_STACK``, which never use the session's stack (the ``stack`` fixture), so it
  never starts one. The other workers, a stack each, take the files that use it first, and
  the rest once those are gone. The filler takes the files with the fewest tests first: the
  ones that start a stack or broker of their own and take longest.

The suite is CPU-bound on two cores, and three workers with a stack each leave them idle
whenever all three wait on their stacks at once; a fourth worker with a stack of its own costs
more than it fills (docs/test-time.md). The filler adds no stack and uses those moments.
"""

from __future__ import annotations

import os
from typing import Any

from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

WHOLE_PACKAGES = ("tests/faults/",)

# Path prefixes of files that never use the session's stack: pure logic, the chart, and tests
# that start stacks or brokers of their own. Only those that take time need be here; a file
# wrongly listed fails on the filler (``refuse_on_filler``).
WITHOUT_SESSION_STACK = (
    "tests/unit/",
    "tests/chart/",
    "tests/artifact/",
    "tests/faults/",
    "tests/image/",
    "tests/integration/stack/",
    "tests/integration/maintenance/test_technical_failure_refusals.py",
    "tests/integration/platform/test_restore_drill.py",
    "tests/integration/platform/test_postgres_tls.py",
    "tests/integration/notify/test_notify_relay_ca.py",
)


def without_session_stack(scope: str) -> bool:
    return scope.startswith(WITHOUT_SESSION_STACK)


def filler_id(workers: int) -> str | None:
    """The xdist id of the filler among ``workers`` workers: the last, when there are two or
    more."""
    return f"gw{workers - 1}" if workers >= 2 else None


def refuse_on_filler(nodeid: str) -> None:
    """Called before each test that uses the session's stack: the filler never starts one."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is not None and worker == filler_id(workers):
        raise AssertionError(
            f"{nodeid} uses the session's stack, but tests/support/scheduling.py lists its "
            "file in WITHOUT_SESSION_STACK: take it out of that list"
        )


class SuiteScheduling(LoadFileScheduling):
    """`--dist loadfile` with whole packages and a filler (the module's docstring)."""

    def _split_scope(self, nodeid: str) -> str:
        package = next((p for p in WHOLE_PACKAGES if nodeid.startswith(p)), None)
        return package or str(super()._split_scope(nodeid))

    def _is_filler(self, node: WorkerController) -> bool:
        return str(node.gateway.id) == filler_id(self.numnodes)

    def _next_scope(self, node: WorkerController) -> str | None:
        scopes = list(self.workqueue)
        if self._is_filler(node):
            # Fewest tests first: the queue is in xdist's order, most tests first.
            return next((s for s in reversed(scopes) if without_session_stack(s)), None)
        return next((s for s in scopes if not without_session_stack(s)), scopes[0])

    def _assign_work_unit(self, node: WorkerController) -> None:
        scope = self._next_scope(node)
        if scope is None:
            return  # the filler, with nothing left for it: released in _reschedule
        work_unit = self.workqueue.pop(scope)
        self.assigned_work.setdefault(node, {})[scope] = work_unit
        worker_collection = self.registered_collections[node]
        node.send_runtest_some(
            [worker_collection.index(nodeid) for nodeid, done in work_unit.items() if not done]
        )

    def _reschedule(self, node: WorkerController) -> None:
        super()._reschedule(node)
        self._release_idle_filler()

    def schedule(self) -> None:
        super().schedule()
        self._release_idle_filler()

    def _release_idle_filler(self) -> None:
        """Shut the filler down once it is idle and nothing left is for it: no test of its
        own would call _reschedule for it again."""
        filler = next((n for n in self.nodes if self._is_filler(n)), None)
        if filler is None or filler.shutting_down or not self.collection:
            return
        idle = self._pending_of(self.assigned_work.get(filler, {})) == 0
        if idle and not any(without_session_stack(s) for s in self.workqueue):
            filler.shutdown()


def make_scheduler(config: Any, log: Any) -> SuiteScheduling | None:
    if config.getvalue("dist") != "loadfile":
        return None  # xdist's own scheduler for any other mode
    return SuiteScheduling(config, log)
