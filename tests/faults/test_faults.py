"""Nothing lost, nothing doubled: filings through two edges while every process dies.

Attorneys file petitions and motions across many cases through both edges (retrying with the
same Idempotency-Key, as a real client does) while the fault scheduler SIGKILLs each service
replica, each edge, Kafka, PostgreSQL and the SMTP sink at random moments and restarts them.
Then, once the system is quiet, exact accounting (faults_accounting): the table is printed and
any difference fails the test. ``OPENECF_FAULTS_FILINGS`` and ``OPENECF_FAULTS_SEED`` set the
size and the schedule (``make faults``: 1,000 filings).
"""

from __future__ import annotations

import os
import random
import time

import pytest
from faults_accounting import account, table, wait_quiet
from faults_chaos import Chaos, targets
from faults_workload import Attorney, Tally, run_attorneys
from support.api import Api, efiler

from services.stack.supervisor import LocalStack

ATTORNEYS = 6
# The run's size and schedule (conftest.py): 150 filings and seed 19 unless set.
FILINGS = int(os.environ.get("OPENECF_FAULTS_FILINGS", "150"))
SEED = int(os.environ.get("OPENECF_FAULTS_SEED", "19"))


def _attorneys(stack: LocalStack, clerk: Api) -> list[Attorney]:
    made = []
    for index in range(ATTORNEYS):
        api = efiler(stack.edge_urls[index % len(stack.edge_urls)], clerk)
        assert api.token
        made.append(Attorney(api.account["account_id"], api.account["email"], api.token))
    return made


@pytest.mark.timeout(max(300, FILINGS * 2))
def test_every_receipted_filing_is_docketed_and_noticed_exactly_once_while_processes_die(
    replicated_stack: LocalStack, faults_clerk: Api
) -> None:
    stack = replicated_stack
    print(f"\nfault run: {FILINGS} filings, seed {SEED} (OPENECF_FAULTS_SEED={SEED} reproduces it)")
    attorneys = _attorneys(stack, faults_clerk)
    tally = Tally()
    chaos = Chaos(
        stack,
        random.Random(SEED),
        rounds=max(1, FILINGS // 150),
        progress=lambda: len(tally.receipts),
        total=FILINGS,
    )
    started = time.monotonic()
    chaos.start()
    try:
        run_attorneys(
            stack.edge_urls,
            attorneys,
            tally,
            filings=FILINGS,
            seed=SEED,
            give_up_seconds=120,
        )
        loaded = time.monotonic() - started
    except BaseException:
        chaos.stop()  # the load failed: no more kills, the stack is stopped next
        chaos.close()
        raise
    finally:
        try:
            chaos.join(timeout=600)  # otherwise the schedule runs to its end
        finally:
            print("\n".join(chaos.log_lines))
    last_kill = chaos.last_restart
    try:
        quiet_after = wait_quiet(
            stack.settings.require_database_url(),
            tally,
            [a.account_id for a in attorneys],
            timeout=180,
        )
    finally:
        chaos.close()
    recovery = time.monotonic() - last_kill
    lines, figures = account(
        stack.settings.require_database_url(),
        stack.maildir,
        stack.settings.kafka_bootstrap,
        tally,
        [a.account_id for a in attorneys],
    )
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(chaos.kills.items()))
    print(f"{sum(chaos.kills.values())} kills over {len(targets(stack))} targets: {kinds}")
    print(
        f"load {loaded:.1f}s; quiet {quiet_after:.1f}s after the load,"
        f" {recovery:.1f}s after the last restart"
    )
    exits = dict(chaos.exits.most_common())
    print(f"exits on their own, restarted by the watchdog: {exits or 'none'}")
    for name, value in figures.items():
        print(f"{name}: {value}")
    print(f"client retries by cause: {dict(tally.retries.most_common())}")
    print(table(lines))
    if tally.refusals:
        print("refusals:", *tally.refusals[:10], sep="\n  ")
    assert all(line.ok for line in lines), "accounting differs (table above)"
    assert set(chaos.kills) == {
        t.rsplit("-", 1)[0] if t[-1].isdigit() else t for t in targets(stack)
    }
