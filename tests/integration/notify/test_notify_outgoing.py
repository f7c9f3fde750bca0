"""The one outgoing queue: an upgrade from the two queues loses and repeats nothing, and every
message (NDA or account mail) is on notify.events with no secret in it."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from notify_kit import NotifyKit
from psycopg import sql
from psycopg_pool import ConnectionPool
from support.api import Api, mail_to, mailed_token, wait_for
from support.mail_sink import relay_for, started_sink

from services.common.migrations import migrations_for
from services.notify.outgoing import OutgoingSender
from services.stack.smtp_sink import read_messages
from services.stack.supervisor import LocalStack

UPGRADE = "notify/0006_one_outgoing_queue.sql"


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    """A notify schema of its own, migrated up to the release before the one queue."""
    name = f"notify_upgrade_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def _apply(database_url: str, schema: str, *, before_upgrade: bool) -> None:
    """The migrations before the one queue (common's first, as migrate() does), or the rest."""
    migrations = migrations_for("notify")
    names = [m.name for m in migrations]
    assert UPGRADE in names, names
    cut = names.index(UPGRADE)
    with psycopg.connect(database_url, options=f"-c search_path={schema}") as conn:
        for migration in migrations[:cut] if before_upgrade else migrations[cut:]:
            conn.execute(migration.sql.encode())


def _old_rows(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, str]:
    """Rows as the release before wrote them; returns message id -> what must happen."""
    account = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO recipients (account_id, username, name, email, role, updated_at)"
        " VALUES (%s, 'late', 'Late Filer', 'late@upgrade.example', 'attorney', now())",
        [account],
    )
    past = datetime.now(UTC) - timedelta(minutes=1)
    expected: dict[str, str] = {}
    mails = [
        # (kind, recipient, status, attempts, what must happen)
        ("filing_receipt", "new@upgrade.example", "pending", 0, "sent"),
        ("account_locked", "retry@upgrade.example", "pending", 2, "sent"),
        ("filing_receipt", "", "pending", 0, "sent"),  # the address comes from the view
        ("efiler_approved", "done@upgrade.example", "sent", 1, "kept"),
        ("security_changed", "gone@upgrade.example", "failed", 1, "kept"),
    ]
    for kind, recipient, status, attempts, fate in mails:
        mail_id = uuid.uuid4()
        conn.execute(
            "INSERT INTO mail_queue (mail_id, kind, account_id, recipient, subject, body_text,"
            " message_id, status, attempts, next_attempt_at) VALUES"
            " (%s, %s, %s, %s, %s, 'body', %s, %s, %s, %s)",
            [
                mail_id,
                kind,
                account,
                recipient,
                kind,
                f"<{mail_id}@openecf>",
                status,
                attempts,
                past,
            ],
        )
        expected[f"<{mail_id}@openecf>"] = fate
    conn.execute(
        "INSERT INTO entries (case_number, entry_number, case_title, case_type, docket_text,"
        " filer, filed_at, entered_at, event_id) VALUES"
        " ('26-9', 1, 'Doe v. Roe', 'civil', 'MOTION', 'Jane', now(), now(), %s)",
        [uuid.uuid4()],
    )
    ndas = [
        ("a@upgrade.example", "pending", 0, "sent"),
        ("b@upgrade.example", "retrying", 1, "sent"),
        ("c@upgrade.example", "sent", 1, "kept"),
    ]
    for email, status, attempts, fate in ndas:
        notice_id = uuid.uuid4()
        conn.execute(
            "INSERT INTO notices (notice_id, case_number, entry_number, recipient_email,"
            " recipient_name, reason, notice_format, with_links, status, attempts,"
            " next_attempt_at, message_id, subject, body_text, composed_at) VALUES"
            " (%s, '26-9', 1, %s, 'Counsel', 'counsel', 'text', false, %s, %s, %s, %s,"
            " 'Doe v. Roe 26-9 - 001 - MOTION', 'Notice', now())",
            [notice_id, email, status, attempts, past, f"<{notice_id}@openecf>"],
        )
        expected[f"<{notice_id}@openecf>"] = fate
    return expected


def test_upgrading_with_unsent_mail_of_both_kinds_sends_each_exactly_once(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    _apply(database_url, schema, before_upgrade=True)
    with psycopg.connect(database_url, options=f"-c search_path={schema}") as conn:
        expected = _old_rows(conn)
    _apply(database_url, schema, before_upgrade=False)

    sink = started_sink(tmp_path / "mail")
    relay = relay_for(sink)
    pool = ConnectionPool(
        database_url, kwargs={"options": f"-c search_path={schema}"}, min_size=2, open=True
    )
    try:
        # Two senders at once, as two replicas would be.
        senders = [
            OutgoingSender(pool=pool, relay=relay, retry_base=timedelta(seconds=1), max_attempts=5)
            for _ in range(2)
        ]
        threads = [threading.Thread(target=s.send_due) for s in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert senders[0].send_due() == 0  # nothing left due
        with pool.connection() as conn:
            statuses: dict[str, str] = dict(
                conn.execute("SELECT message_id, status FROM notices").fetchall()
            )
            events = Counter(
                conn.execute(
                    "SELECT event_type FROM outbox WHERE event_type LIKE 'notify.%'"
                ).fetchall()
            )
    finally:
        pool.close()
        sink.stop()

    delivered = Counter(m["Message-ID"] for m in read_messages(sink.maildir))
    must_send = {mid for mid, fate in expected.items() if fate == "sent"}
    assert delivered == Counter({mid: 1 for mid in must_send})
    assert len(must_send) == 5  # three account mails, two NDAs
    assert all(statuses[mid] == "sent" for mid in must_send)
    # What was done before the upgrade stays done, and is not sent again.
    kept = {mid for mid, fate in expected.items() if fate == "kept"}
    assert {statuses[mid] for mid in kept} == {"sent", "failed"}
    assert events == Counter({("notify.notice_sent",): 5})
    late = [m for m in read_messages(sink.maildir) if str(m["To"]) == "late@upgrade.example"]
    assert len(late) == 1


def test_every_message_is_on_notify_events_without_its_secret(
    notify_kit: NotifyKit, stack: LocalStack, edge_url: str
) -> None:
    person = notify_kit.person("public")
    asked = Api(edge_url).post("/api/v1/credential-reissue", json={"email": person.email})
    assert asked.status_code in (200, 202), asked.text
    token = mailed_token(mail_to(stack.maildir, person.email, "login"), "reset-password")
    (notice_id,) = wait_for(
        lambda: notify_kit.sql(
            "SELECT notice_id::text FROM notify.notices WHERE kind = 'credential_reissue'"
            " AND status = 'sent' AND account_id = %s",
            person.account_id,
        ),
        what="the reissue mail recorded as sent",
    )[0]
    events = wait_for(
        lambda: [
            e for e in notify_kit.notify_events("notify.notice_sent") if e.notice_id == notice_id
        ],
        what="notify.notice_sent for the account mail",
    )
    assert len(events) == 1
    assert events[0].recipient_email.lower() == person.email.lower()
    assert events[0].recipient_account_id == person.account_id and events[0].case_number == ""
    assert token.encode() not in events[0].SerializeToString()
    # Nor in the outbox row, nor in the kept message.
    assert not notify_kit.sql(
        "SELECT 1 FROM notify.outbox WHERE event_type LIKE 'notify.%%'"
        " AND position(%s::bytea in payload) > 0",
        token.encode(),
    )
    assert not notify_kit.sql(
        "SELECT 1 FROM notify.notices WHERE notice_id = %s AND body_text LIKE %s",
        notice_id,
        f"%{token}%",
    )
