"""A filing receipt whose filer notify has not heard of yet waits for the address, then goes."""

from __future__ import annotations

import time
import uuid

import psycopg
from court.v1 import common_pb2, events_pb2
from google.protobuf import timestamp_pb2
from support.api import mail_to, wait_for

from services.common.events import new_event
from services.notify.compose.filing_mail import FilingMail
from services.stack.supervisor import LocalStack


def test_a_receipt_waits_for_the_filers_address_and_is_then_sent(
    stack: LocalStack, database_url: str
) -> None:
    account_id, filing_id = str(uuid.uuid4()), str(uuid.uuid4())
    event = events_pb2.FilingSubmitted(
        filing_id=filing_id,
        filing_type=common_pb2.FILING_TYPE_MOTION,
        case_number="26-1",
        filer_account_id=account_id,
        filer_name="Late Registrant",
    )
    event.received_at.utc.CopyFrom(timestamp_pb2.Timestamp(seconds=int(time.time())))
    envelope = new_event(
        event_type="filing.submitted", source="filing", subject="26-1", payload=event
    )
    with psycopg.connect(database_url, options="-c search_path=notify") as conn:
        with conn.transaction():
            # As the consumer would, the account unknown yet.
            FilingMail(tz=stack.settings.tz).on_filing_submitted(conn, envelope)

        def waiting() -> bool:
            row = conn.execute(
                "SELECT status, last_error FROM notices WHERE kind = 'filing_receipt'"
                " AND body_text LIKE %s",
                [f"%{filing_id}%"],
            ).fetchone()
            conn.commit()
            return row == ("pending", "waiting for the account's address")

        wait_for(waiting, timeout=20, what="the receipt waiting for its address")
        address = f"late-{account_id[:8]}@example.org"
        with conn.transaction():
            conn.execute(
                "INSERT INTO recipients (account_id, username, name, email, role, updated_at)"
                " VALUES (%s, %s, 'Late Registrant', %s, 'attorney', now())",
                [account_id, f"late{account_id[:8]}", address],
            )
    receipt = mail_to(stack.maildir, address, filing_id[:8], timeout=30)
    assert filing_id in receipt.get_content()
