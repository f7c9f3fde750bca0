"""Sending composed NDAs: one row at a time, locked while it is sent.

A row is picked with ``FOR UPDATE SKIP LOCKED`` and stays locked (its transaction open) while
the relay is spoken to; the outcome is committed with the row, together with its event
(``notify.notice_sent`` or ``notify.notice_failed``, through the outbox). So:
- two senders (threads or replicas) never send the same notice;
- a crash before the relay accepted the message rolls the row back to what it was: it is sent
  again later, and that is not a duplicate;
- only a crash in the instant between the relay's 250 and our commit can send it twice — and
  then both copies carry the same ``Message-ID``, so the duplicate is recognisable.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common.clock import Clock, system_clock
from services.common.logs import trace_context
from services.notify import outcomes
from services.notify.metrics import NDA_LATENCY, NOTICES
from services.notify.sender import (
    FAILED,
    RETRY,
    SENT,
    UNREACHABLE,
    SmtpRelay,
    SmtpSession,
    retry_delay,
    send_forever,
    should_retry,
)

log = logging.getLogger(__name__)

# The token in a free-look link, as the composer writes it.
FREE_LOOK_LINK_PATTERN = r"(/api/v1/free-looks/)[A-Za-z0-9_-]+"
_DUE = (
    "SELECT n.notice_id, n.case_number, n.entry_number, n.recipient_email, n.recipient_name,"
    " n.account_id::text, n.reason, n.subject, n.body_text, n.body_html, n.message_id,"
    " n.attempts, n.composed_at, e.entered_at, e.trace_id"
    " FROM notices n JOIN entries e USING (case_number, entry_number)"
    " WHERE n.status IN ('pending', 'retrying') AND n.next_attempt_at <= %s"
    " ORDER BY n.next_attempt_at LIMIT 1 FOR UPDATE OF n SKIP LOCKED"
)


@dataclass(frozen=True)
class _Facts:
    notice_id: str
    case_number: str
    entry_number: int
    email: str
    account_id: str | None  # empty in events for a secondary address
    attempts: int


class Wakeup:
    """Lets the composer wake the sender threads as soon as it composed something."""

    def __init__(self) -> None:
        self._events: list[threading.Event] = []
        self._lock = threading.Lock()

    def new_waiter(self) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events.append(event)
        return event

    def wake(self) -> None:
        with self._lock:
            for event in self._events:
                event.set()


class NoticeSender:
    def __init__(
        self,
        *,
        pool: ConnectionPool,
        relay: SmtpRelay,
        retry_base: timedelta,
        max_attempts: int,
        wakeup: Wakeup | None = None,
        clock: Clock = system_clock,
        idle_seconds: float = 1.0,
    ) -> None:
        self._pool = pool
        self._relay = relay
        self._retry_base = retry_base
        self._max_attempts = max_attempts
        self._wakeup = wakeup or Wakeup()
        self._clock = clock
        self._idle = idle_seconds

    def run(self, stop: threading.Event) -> None:
        """A sender thread: its own relay connection, woken by the composer or every second."""
        waiter = self._wakeup.new_waiter()
        send_forever(
            self._relay,
            stop,
            send_due=self.send_due,
            before=waiter.clear,
            idle=lambda: waiter.wait(self._idle),
            what="NDA",
        )

    def send_due(self, session: SmtpSession, limit: int = 50) -> int:
        """Try up to ``limit`` due notices once each; return how many were attempted."""
        attempted = 0
        while attempted < limit and self._send_one(session):
            attempted += 1
        return attempted

    def _send_one(self, session: SmtpSession) -> bool:
        now = self._clock.now()
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(_DUE, [now]).fetchone()
            if row is None:
                return False
            (notice_id, case_number, entry_number, email, name, account_id, reason, subject,
             text, html, message_id, attempts, composed_at, entered_at, trace_id) = row  # fmt: skip
            with trace_context(trace_id or None):
                message = build_message(
                    sender=self._relay.sender,
                    recipient=email,
                    recipient_name=name,
                    subject=subject,
                    text=text,
                    html=html,
                    message_id=message_id,
                    date=composed_at or now,
                    case_number=case_number,
                    entry_number=entry_number,
                )
                outcome, error = session.send(message)
                attempts += 1
                done_at = self._clock.now()
                facts = _Facts(
                    notice_id=str(notice_id),
                    case_number=case_number,
                    entry_number=entry_number,
                    email=email,
                    account_id=account_id if reason != "secondary" else None,
                    attempts=attempts,
                )
                if outcome == SENT:
                    self._sent(conn, facts, done_at)
                    NDA_LATENCY.observe(max((done_at - entered_at).total_seconds(), 0.0))
                    log.info(
                        "NDA sent",
                        extra={
                            "notice_id": facts.notice_id,
                            "case_number": case_number,
                            "entry_number": entry_number,
                            "attempts": attempts,
                        },
                    )
                elif should_retry(outcome, attempts, self._max_attempts):
                    conn.execute(
                        "UPDATE notices SET status = 'retrying', attempts = %s,"
                        " next_attempt_at = %s, last_error = %s WHERE notice_id = %s",
                        [attempts, now + retry_delay(self._retry_base, attempts), error, notice_id],
                    )
                    log.warning(
                        "NDA not accepted, will retry",
                        extra={"notice_id": str(notice_id), "attempts": attempts, "error": error},
                    )
                else:
                    outcome = FAILED
                    self._failed(conn, facts, done_at, error or "attempts exhausted")
                NOTICES.labels("nda", RETRY if outcome == UNREACHABLE else outcome).inc()
        return True

    def _sent(self, conn: Connection[Any], facts: _Facts, sent_at: datetime) -> None:
        conn.execute(
            "UPDATE notices SET status = 'sent', attempts = %s, sent_at = %s, last_error = NULL"
            " WHERE notice_id = %s",
            [facts.attempts, sent_at, facts.notice_id],
        )
        _forget_links(conn, facts.notice_id)
        outcomes.publish_sent(conn, _delivered(facts), at=sent_at)

    def _failed(
        self, conn: Connection[Any], facts: _Facts, failed_at: datetime, error: str
    ) -> None:
        conn.execute(
            "UPDATE notices SET status = 'failed', attempts = %s, failed_at = %s, last_error = %s"
            " WHERE notice_id = %s",
            [facts.attempts, failed_at, error, facts.notice_id],
        )
        _forget_links(conn, facts.notice_id)
        outcomes.publish_failed(conn, _delivered(facts), at=failed_at, error=error)
        log.error(
            "NDA failed",
            extra={"notice_id": facts.notice_id, "attempts": facts.attempts, "error": error},
        )


def _delivered(facts: _Facts) -> outcomes.Delivered:
    return outcomes.Delivered(
        message_id=facts.notice_id,
        recipient=facts.email,
        account_id=facts.account_id or "",
        attempts=facts.attempts,
        case_number=facts.case_number,
        entry_number=facts.entry_number,
    )


def _forget_links(conn: Connection[Any], notice_id: str) -> None:
    """Once a notice is out (or never will be), its free-look tokens are the recipient's alone:
    access keeps only their hashes, and notify keeps the message with the tokens blanked."""
    conn.execute(
        "UPDATE notices SET body_text = regexp_replace(body_text, %(token)s, %(blank)s, 'g'),"
        " body_html = regexp_replace(body_html, %(token)s, %(blank)s, 'g')"
        " WHERE notice_id = %(id)s",
        {"token": FREE_LOOK_LINK_PATTERN, "blank": r"\1[sent]", "id": notice_id},
    )
    conn.execute("UPDATE free_looks SET token = NULL WHERE notice_id = %s", [notice_id])


def build_message(
    *,
    sender: str,
    recipient: str,
    recipient_name: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    date: datetime,
    case_number: str,
    entry_number: int,
) -> EmailMessage:
    """The RFC 5322 message: text, or multipart/alternative with text first and then HTML."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = _address(recipient_name, recipient)
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(date.astimezone(UTC))
    message["Auto-Submitted"] = "auto-generated"
    message["X-OpenECF-Case"] = case_number
    message["X-OpenECF-Entry"] = str(entry_number)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def _address(name: str, email: str) -> Address | str:
    local, _, domain = email.rpartition("@")
    if not local or not domain:
        return email
    try:
        return Address(display_name=" ".join(name.split()), username=local, domain=domain)
    except Exception:  # a name or address the header model refuses: the bare address
        return email
