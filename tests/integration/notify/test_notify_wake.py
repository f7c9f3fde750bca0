"""The senders sleep until there is mail: account mail, queued ready to send by a consumer's
commit, goes out at once, though the senders' own look comes only every minute here."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import grpc
import psycopg
import pytest
from court.v1 import access_pb2_grpc
from psycopg import sql
from psycopg_pool import ConnectionPool
from support.api import wait_for
from support.mail_sink import relay_for, running_sink

from services.common.commit_signal import CommitSignal
from services.common.migrations import migrations_for
from services.notify.compose.nda import NoticeComposer
from services.notify.outgoing import OutgoingMail, OutgoingSender, Wakeup, queue_mail
from services.stack.smtp_sink import SmtpSink, read_messages
from services.stack.supervisor import LocalStack


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    """A notify schema of its own, with every migration: its channel is ``<schema>_notices``."""
    name = f"notify_wake_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    with psycopg.connect(database_url, options=f"-c search_path={name}") as conn:
        for migration in migrations_for("notify"):
            conn.execute(migration.sql.encode())
    try:
        yield name
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSink]:
    with running_sink(tmp_path / "mail") as running:
        yield running


def test_account_mail_committed_by_a_consumer_wakes_the_senders(
    database_url: str, schema: str, sink: SmtpSink, stack: LocalStack
) -> None:
    pool = ConnectionPool(
        database_url, kwargs={"options": f"-c search_path={schema}"}, min_size=2, open=True
    )
    listener = f"notify-wake-{schema}"
    wakeup = Wakeup()
    sender = OutgoingSender(
        pool=pool,
        relay=relay_for(sink),
        retry_base=timedelta(seconds=60),
        max_attempts=5,
        wakeup=wakeup,
        idle_seconds=60,  # its own look would come too late for this test
    )
    composer = NoticeComposer(
        pool=pool,
        access=access_pb2_grpc.AccessServiceStub(grpc.insecure_channel("127.0.0.1:9")),  # unused
        settings=stack.settings,
        wake_senders=wakeup.wake,
        signal=CommitSignal(
            database_url, schema=schema, table="notices", application_name=listener
        ),
        idle_seconds=60,
    )
    stop = threading.Event()
    threads = [
        threading.Thread(target=sender.run, args=(stop,)),
        threading.Thread(target=composer.run, args=(stop,)),
    ]
    for thread in threads:
        thread.start()
    try:
        # Autocommit: in a transaction, pg_stat_activity answers from one snapshot.
        with psycopg.connect(database_url, autocommit=True) as conn:
            wait_for(
                lambda: conn.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE application_name = %s"
                    " AND query LIKE 'LISTEN%%'",
                    [listener],
                ).fetchall(),
                what="the composer listening",
            )
        time.sleep(0.5)  # past the senders' first look, which listening started
        with psycopg.connect(database_url, options=f"-c search_path={schema}") as conn:
            queue_mail(
                conn,
                OutgoingMail(
                    kind="filing_receipt",
                    recipient="counsel@wake.example",
                    subject="Filing receipt",
                    body_text="The court received your filing.",
                ),
            )
        queued = time.monotonic()
        wait_for(lambda: read_messages(sink.maildir), timeout=20, what="the receipt sent")
        assert time.monotonic() - queued < 10  # not the senders' minute
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        pool.close()
