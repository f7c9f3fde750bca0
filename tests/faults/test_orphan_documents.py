"""No document without a filing, end to end on the two-replica stack: a 20-way burst of one
Idempotency-Key over both edges, and a filing whose commit fails, leave no document behind
once the services' own sweep has run (grace 15 s here) — and every document of a filing stays.
On the fault suite's stack, before or after the fault run."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest
from support.api import Api, efiler, petition, wait_for
from support.metrics import metric_sum, metrics_url
from support.pdf_corpus import text_pdf

from services.stack.supervisor import LocalStack

FAILING_TITLE = "Commit fails v. Federal Agency"


def _count(database_url: str, sql: str, params: list[object]) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return int(row[0])


def _post(edge: str, token: str, metadata: dict[str, object], lead: bytes, key: str) -> int:
    files = [
        ("metadata", ("metadata.json", json.dumps(metadata).encode(), "application/json")),
        ("lead", ("lead.pdf", lead, "application/pdf")),
    ]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return httpx.post(
        f"{edge}/api/v1/filings", files=files, headers=headers, timeout=150
    ).status_code


@pytest.fixture
def failing_commit(replicated_stack: LocalStack) -> Iterator[None]:
    """Filing's commit fails for one title: a trigger in the real database (the filing's
    documents are in access by then)."""
    url = replicated_stack.settings.require_database_url()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION filing.fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN IF NEW.title = '{FAILING_TITLE}' THEN"
            " RAISE EXCEPTION 'the commit fails (test)'; END IF; RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER fail_commit BEFORE INSERT ON filing.filings"
            " FOR EACH ROW EXECUTE FUNCTION filing.fail_commit()"
        )
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER fail_commit ON filing.filings")
            conn.execute("DROP FUNCTION filing.fail_commit()")


def test_a_duplicate_burst_and_a_failed_commit_leave_no_document_without_a_filing(
    replicated_stack: LocalStack, faults_clerk: Api, failing_commit: None
) -> None:
    stack = replicated_stack
    url = stack.settings.require_database_url()
    attorney = efiler(stack.edge_urls[0], faults_clerk)
    assert attorney.token
    token, account = attorney.token, attorney.account["account_id"]

    key = str(uuid.uuid4())
    lead = text_pdf([["Petition for review, filed twenty times at once."]])
    metadata = petition()
    with ThreadPoolExecutor(20) as pool:
        statuses = list(
            pool.map(lambda i: _post(stack.edge_urls[i % 2], token, metadata, lead, key), range(20))
        )
    assert set(statuses) <= {200, 201}, statuses
    failed = _post(
        stack.edge_urls[1],
        token,
        {**petition(), "title": FAILING_TITLE},
        text_pdf([["x"]]),
        key=str(uuid.uuid4()),
    )
    assert failed >= 500  # the commit failed: nothing was filed

    filings = _count(
        url, "SELECT count(*) FROM filing.filings WHERE filer_account_id = %s", [account]
    )
    assert filings == 1  # the burst is one filing; the failed one is none
    kept = (
        "SELECT count(*) FROM access.documents d"
        " JOIN filing.filing_documents f ON f.document_id = d.document_id"
        " JOIN filing.filings g ON g.filing_id = f.filing_id WHERE g.filer_account_id = %s"
    )
    orphans = (
        "SELECT count(*) FROM access.documents d WHERE NOT EXISTS"
        " (SELECT 1 FROM filing.filing_documents f WHERE f.document_id = d.document_id)"
    )
    started = time.monotonic()
    wait_for(lambda: _count(url, orphans, []) == 0, timeout=60, what="no orphan documents")
    print(f"orphans gone {time.monotonic() - started:.1f}s after the burst")
    assert _count(url, kept, [account]) == 1  # the filing's own document stays
    assert _count(url, "SELECT count(*) FROM filing.filing_attempts", []) == 0
    # The failed commit did store its document, and it was reclaimed (by the submit itself or
    # the sweep, in either filing replica).
    assert _filing_metric(stack, "openecf_filing_orphan_documents_reclaimed_total") >= 1


def _filing_metric(stack: LocalStack, name: str) -> float:
    return sum(
        metric_sum(metrics_url(stack.child_settings(replica).metrics_port("filing")), name)
        for replica in stack.replica_names("filing")
    )
