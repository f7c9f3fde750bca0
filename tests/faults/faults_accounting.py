"""After the faults: wait for a quiet system, then count everything, exactly.

Quiet: every receipted filing is on the docket, every outbox is empty, every NDA and receipt
mail is sent, no filing attempt is left and no document is without a filing. Then the table:
each line an expected and an actual count; the test fails on any difference.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import psycopg
from faults_workload import Tally
from kafka import KafkaConsumer, TopicPartition

from services.common.events import DEAD_LETTER_TOPIC
from services.common.settings import SERVICE_NAMES
from services.stack.smtp_sink import read_messages


@dataclass(frozen=True)
class Line:
    what: str
    expected: int
    actual: int

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def _one(conn: psycopg.Connection[Any], sql: str, params: list[Any] | None = None) -> int:
    row = conn.execute(sql, params or []).fetchone()
    assert row is not None
    return int(row[0])


def _quiet_reasons(
    conn: psycopg.Connection[Any], filing_ids: list[str], accounts: list[str]
) -> list[str]:
    """What still moves (empty when the system is quiet)."""
    reasons = []
    undocketed = _one(
        conn,
        "SELECT count(*) FROM unnest(%s::uuid[]) f(id)"
        " WHERE NOT EXISTS (SELECT 1 FROM docket.entries e WHERE e.filing_id = f.id)",
        [filing_ids],
    )
    if undocketed:
        reasons.append(f"{undocketed} filings not docketed")
    for schema in SERVICE_NAMES:
        unsent = _one(conn, f"SELECT count(*) FROM {schema}.outbox WHERE sent_at IS NULL")
        if unsent:
            reasons.append(f"{unsent} unsent in {schema}.outbox")
    # Every entry of the cases the petitions opened: the filings' own and the court's.
    entries = _one(
        conn,
        "SELECT count(*) FROM docket.entries e JOIN docket.cases c ON c.case_id = e.case_id"
        " WHERE c.opening_filing_id = ANY(%s::uuid[])",
        [filing_ids],
    )
    notices = _one(
        conn,
        "SELECT count(*) FROM notify.notices n JOIN docket.cases c"
        " ON c.case_number = n.case_number"
        " WHERE n.status = 'sent' AND c.opening_filing_id = ANY(%s::uuid[])",
        [filing_ids],
    )
    if notices < entries:
        reasons.append(f"{entries - notices} NDAs not sent")
    mails = _one(
        conn,
        "SELECT count(*) FROM notify.notices WHERE status = 'sent' AND kind = 'filing_receipt'"
        " AND account_id = ANY(%s::uuid[])",
        [accounts],
    )
    if mails < len(filing_ids):
        reasons.append(f"{len(filing_ids) - mails} receipt mails not sent")
    attempts = _one(conn, "SELECT count(*) FROM filing.filing_attempts")
    if attempts:
        reasons.append(f"{attempts} filing attempts open")
    orphans = _one(
        conn,
        "SELECT count(*) FROM access.documents d WHERE NOT EXISTS"
        " (SELECT 1 FROM filing.filing_documents f WHERE f.document_id = d.document_id)",
    )
    if orphans:
        reasons.append(f"{orphans} documents without a filing")
    return reasons


def wait_quiet(database_url: str, tally: Tally, accounts: list[str], timeout: float) -> float:
    """Seconds until the system was quiet (raises with what still moved after ``timeout``)."""
    filing_ids = [r.filing_id for r in tally.receipts]
    started = time.monotonic()
    reasons = ["not looked yet"]
    while time.monotonic() - started < timeout:
        try:
            with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
                reasons = _quiet_reasons(conn, filing_ids, accounts)
        except psycopg.OperationalError as exc:
            reasons = [f"database: {exc}"]
        if not reasons:
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"not quiet after {timeout:.0f}s: {'; '.join(reasons)}")


def dead_letters(bootstrap: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(DEAD_LETTER_TOPIC) or set()
        tps = [TopicPartition(DEAD_LETTER_TOPIC, p) for p in partitions]
        ends = consumer.end_offsets(tps)
        starts = consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        consumer.close()


def account(
    database_url: str, maildir: Path, bootstrap: str, tally: Tally, accounts: list[str]
) -> tuple[list[Line], dict[str, int]]:
    """The exact counts (lines), and figures that are not pass/fail (copies, retries)."""
    receipts = tally.receipts
    filing_ids = [r.filing_id for r in receipts]
    petitions = sum(r.kind == "petition" for r in receipts)
    lines = [
        Line("filings refused (valid filings)", 0, len(tally.refusals)),
        Line("receipts with a distinct filing id", len(receipts), len(set(filing_ids))),
    ]
    with psycopg.connect(database_url, autocommit=True) as conn:
        per_filing = dict(
            conn.execute(
                "SELECT filing_id::text, count(*) FROM docket.entries"
                " WHERE filing_id = ANY(%s::uuid[]) GROUP BY filing_id",
                [filing_ids],
            ).fetchall()
        )
        lines.append(
            Line(
                "receipted filings docketed exactly once",
                len(receipts),
                sum(per_filing.get(f) == 1 for f in filing_ids),
            )
        )
        case_rows = conn.execute(
            "SELECT c.case_number, c.last_entry_number, array_agg(e.entry_number ORDER BY"
            " e.entry_number), count(e.filing_id) FILTER (WHERE e.filing_id <> ALL(%s::uuid[]))"
            " FROM docket.cases c JOIN docket.entries e ON e.case_id = c.case_id"
            " WHERE c.opening_filing_id = ANY(%s::uuid[]) GROUP BY c.case_id",
            [filing_ids, filing_ids],
        ).fetchall()
        lines.append(Line("cases opened (one per petition)", petitions, len(case_rows)))
        gaps = sum(
            list(numbers) != list(range(1, len(numbers) + 1)) or last != len(numbers)
            for _, last, numbers, _ in case_rows
        )
        lines.append(Line("cases with a gap in entry numbers", 0, gaps))
        lines.append(Line("entries from no receipted filing", 0, sum(int(r[3]) for r in case_rows)))
        court_entries = _one(
            conn,
            "SELECT count(*) FROM docket.entries e JOIN docket.cases c ON c.case_id = e.case_id"
            " WHERE e.filing_id IS NULL AND c.opening_filing_id = ANY(%s::uuid[])",
            [filing_ids],
        )
        lines.append(Line("court entries (one per case opened)", petitions, court_entries))
        entries = {(str(c), n) for c, _, numbers, _ in case_rows for n in numbers}
        cases = {c for c, _ in entries}
        notices = conn.execute(
            "SELECT case_number, entry_number, lower(recipient_email), message_id, status"
            " FROM notify.notices WHERE case_number = ANY(%s)",
            [sorted(cases)],
        ).fetchall()
        emails = dict(
            conn.execute(
                "SELECT account_id::text, lower(email) FROM notify.recipients"
                " WHERE account_id = ANY(%s::uuid[])",
                [accounts],
            ).fetchall()
        )
        filer_of = {
            str(c): emails.get(str(a), "?")
            for c, a in conn.execute(
                "SELECT c.case_number, f.filer_account_id::text FROM docket.cases c"
                " JOIN filing.filings f ON f.filing_id = c.opening_filing_id"
                " WHERE c.case_number = ANY(%s)",
                [sorted(cases)],
            ).fetchall()
        }
        receipt_mails = conn.execute(
            "SELECT message_id FROM notify.notices WHERE kind = 'filing_receipt'"
            " AND status = 'sent' AND account_id = ANY(%s::uuid[])",
            [accounts],
        ).fetchall()
        orphans = _one(
            conn,
            "SELECT count(*) FROM access.documents d WHERE NOT EXISTS"
            " (SELECT 1 FROM filing.filing_documents f WHERE f.document_id = d.document_id)",
        )
        missing = _one(
            conn,
            "SELECT count(*) FROM filing.filing_documents f WHERE f.filing_id = ANY(%s::uuid[])"
            " AND NOT EXISTS (SELECT 1 FROM access.documents d"
            " WHERE d.document_id = f.document_id)",
            [filing_ids],
        )
        unsent = sum(
            _one(conn, f"SELECT count(*) FROM {s}.outbox WHERE sent_at IS NULL")
            for s in SERVICE_NAMES
        )

    # NDAs: what notify decided (one row per entry and recipient), and what the sink holds.
    expected_ndas = {(c, n, filer_of.get(c, "?")) for c, n in entries}
    decided = {(str(c), int(n), str(e)) for c, n, e, _, _ in notices}
    lines.append(
        Line(
            "NDAs decided (one per entry, to its counsel)",
            len(expected_ndas),
            len(expected_ndas & decided),
        )
    )
    lines.append(
        Line("NDAs decided for no entry or another recipient", 0, len(decided - expected_ndas))
    )
    lines.append(Line("NDAs sent", len(expected_ndas), sum(s == "sent" for *_, s in notices)))
    by_message: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    copies: dict[str, int] = defaultdict(int)
    receipt_ids = {str(m[0]) for m in receipt_mails}
    receipt_seen: set[str] = set()
    for message in read_messages(maildir):
        message_id = str(message["Message-ID"] or "")
        case = str(message["X-OpenECF-Case"] or "")
        if case in cases:
            recipient = parseaddr(str(message["To"]))[1].lower()
            by_message[message_id].add((case, int(str(message["X-OpenECF-Entry"])), recipient))
            copies[message_id] += 1
        elif message_id in receipt_ids:
            receipt_seen.add(message_id)
            copies[message_id] += 1
    delivered: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    for message_id, keys in by_message.items():
        for key in keys:
            delivered[key].add(message_id)
    lines.append(
        Line(
            "entry+recipient with exactly one Message-ID in the mailbox",
            len(expected_ndas),
            sum(len(delivered.get(k, set())) == 1 for k in expected_ndas),
        )
    )
    lines.append(
        Line(
            "Message-IDs naming more than one entry+recipient",
            0,
            sum(len(k) > 1 for k in by_message.values()),
        )
    )
    lines.append(
        Line(
            "NDAs in the mailbox for no expected entry+recipient",
            0,
            len(set(delivered) - expected_ndas),
        )
    )
    lines.append(
        Line("receipt mails (one per filing, by Message-ID)", len(receipts), len(receipt_seen))
    )
    lines.append(Line("documents without a filing", 0, orphans))
    lines.append(Line("filing documents missing from the vault", 0, missing))
    lines.append(Line("events left in an outbox", 0, unsent))
    lines.append(Line("messages on the dead-letter topic", 0, dead_letters(bootstrap)))
    figures = {
        "entries": len(entries),
        "cases": len(cases),
        "mail copies beyond the first (same Message-ID)": sum(n - 1 for n in copies.values()),
        "client retries": sum(tally.retries.values()),
    }
    return lines, figures


def table(lines: list[Line]) -> str:
    width = max(len(line.what) for line in lines)
    rows = [f"{'':<2}{'count':<{width}}  {'expected':>8}  {'actual':>8}"]
    for line in lines:
        mark = "  " if line.ok else "✗ "
        rows.append(f"{mark}{line.what:<{width}}  {line.expected:>8}  {line.actual:>8}")
    return "\n".join(rows)
