"""The last stage of every outgoing message, NDA or account mail: its outcome published as
``notify.notice_sent`` or ``notify.notice_failed`` (through the outbox, in the transaction that
records it), so every message sent or given up on is on ``notify.events``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from court.v1 import events_pb2
from psycopg import Connection

from services.common.outbox import publish


@dataclass(frozen=True)
class Delivered:
    """One message and where it went: an NDA names its case and entry, account mail does not."""

    message_id: str  # notices.notice_id or mail_queue.mail_id
    recipient: str
    account_id: str
    attempts: int
    case_number: str = ""
    entry_number: int = 0

    @property
    def subject(self) -> str:
        return self.case_number or self.account_id or self.message_id


def publish_sent(conn: Connection[Any], message: Delivered, *, at: datetime) -> None:
    event = events_pb2.NoticeSent(
        notice_id=message.message_id,
        case_number=message.case_number,
        entry_number=message.entry_number,
        recipient_email=message.recipient,
        recipient_account_id=message.account_id,
        attempts=message.attempts,
    )
    event.sent_at.FromDatetime(at)
    publish(
        conn,
        event_type="notify.notice_sent",
        source="notify",
        subject=message.subject,
        payload=event,
    )


def publish_failed(conn: Connection[Any], message: Delivered, *, at: datetime, error: str) -> None:
    event = events_pb2.NoticeFailed(
        notice_id=message.message_id,
        case_number=message.case_number,
        entry_number=message.entry_number,
        recipient_email=message.recipient,
        recipient_account_id=message.account_id,
        error=error,
        attempts=message.attempts,
    )
    event.failed_at.FromDatetime(at)
    publish(
        conn,
        event_type="notify.notice_failed",
        source="notify",
        subject=message.subject,
        payload=event,
    )
