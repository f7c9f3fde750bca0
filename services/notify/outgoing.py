"""Stage 4, the one outgoing queue: every message notify sends, NDA or account mail, is a row
of ``notices`` (SQL in store/outgoing.py), sent by ``OutgoingSender`` with one retry rule and
one dead-letter rule, and its outcome published as ``notify.notice_sent`` or
``notify.notice_failed`` (through the outbox, in the transaction that records it).

Each sender thread keeps one SMTP connection (smtp.py) for message after message, reopened
after an error, and one database connection for a batch. Each message is claimed in its own
transaction (``FOR UPDATE SKIP LOCKED``, held while the relay is spoken to) and its outcome
committed with the claim, so:
- two senders (threads or replicas) never send the same message;
- a crash before the relay accepted it rolls the row back: it is sent again later, and that
  is not a duplicate;
- only a crash in the instant between the relay's 250 and our commit can send it twice — and
  then both copies carry the same ``Message-ID``, so the duplicate is recognisable.

The rules, in one place:
- retry: a 4xx is tried ``mail_max_attempts`` times, backing off from ``mail_retry_seconds``
  (doubling, at most 64 times); an unreachable relay (or auth, for a mail's token) is tried
  until it is back;
- dead letter: a 5xx, attempts spent, or a mail whose single-use token expired or was
  superseded becomes ``failed`` for good, with the error, and ``notify.notice_failed``;
- a mail queued before notify knew its account's address waits for it (not an attempt).
Events carry who and what, never a secret: no free-look link and no token is in them.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import grpc
from court.v1 import events_pb2
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common.clock import Clock, system_clock
from services.common.logs import trace_context
from services.common.outbox import publish
from services.notify.message import build_message
from services.notify.metrics import NDA_LATENCY, NOTICES
from services.notify.smtp import FAILED, RETRY, SENT, UNREACHABLE, SmtpRelay, SmtpSession
from services.notify.store import outgoing as store

log = logging.getLogger(__name__)

# Where a mail's single-use token goes: filled in by the sender, never stored.
TOKEN_PLACEHOLDER = "{{token}}"  # noqa: S105 (a placeholder, not a secret)
# How long a message whose account notify does not know yet waits before looking again.
ADDRESS_WAIT = timedelta(seconds=5)
# Mints the single-use token of a mail's slot at auth when it is sent ("" when it ended).
TokenSource = Callable[[str], str]


# -- queueing account mail -------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingMail:
    kind: str
    recipient: str
    subject: str
    body_text: str
    account_id: str | None = None
    body_html: str | None = None
    # A deterministic id makes the same mail queued twice one row (and one Message-ID).
    dedupe_key: str | None = None
    # The auth token slot whose token replaces TOKEN_PLACEHOLDER in the body when sent.
    token_id: str | None = None


def queue_mail(conn: Connection[Any], mail: OutgoingMail) -> None:
    """Queue a composed account mail, in the caller's transaction."""
    notice_id = (
        uuid.uuid5(uuid.NAMESPACE_URL, f"openecf:{mail.dedupe_key}")
        if mail.dedupe_key
        else uuid.uuid4()
    )
    store.enqueue(
        conn,
        store.Queued(
            notice_id=str(notice_id),
            kind=mail.kind,
            account_id=mail.account_id,
            recipient=mail.recipient,
            subject=mail.subject,
            body_text=mail.body_text,
            body_html=mail.body_html,
            message_id=f"<{notice_id}@openecf>",
            token_id=mail.token_id,
        ),
    )


# -- the rules -------------------------------------------------------------------------------


def should_retry(outcome: str, attempts: int, max_attempts: int) -> bool:
    """A 4xx is tried ``max_attempts`` times; an unreachable relay, until it is back."""
    return outcome == UNREACHABLE or (outcome == RETRY and attempts < max_attempts)


def retry_delay(base: timedelta, attempts: int) -> timedelta:
    """Backoff after ``attempts`` failed tries: base, doubling, at most 64 times base."""
    return base * min(2 ** max(attempts - 1, 0), 64)


# -- the sender ------------------------------------------------------------------------------


class Wakeup:
    """Lets the composer wake the sender threads as soon as it composed something, or a
    commit added notices (account mail is queued ready to send)."""

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


class OutgoingSender:
    def __init__(
        self,
        *,
        pool: ConnectionPool,
        relay: SmtpRelay,
        retry_base: timedelta,
        max_attempts: int,
        tokens: TokenSource | None = None,
        wakeup: Wakeup | None = None,
        clock: Clock = system_clock,
        idle_seconds: float = 0.5,
        batch_size: int = 50,
    ) -> None:
        self._pool = pool
        self._relay = relay
        self._retry_base = retry_base
        self._max_attempts = max_attempts
        self._tokens = tokens
        self._wakeup = wakeup or Wakeup()
        self._clock = clock
        self._idle = idle_seconds
        self._batch = batch_size

    def run(self, stop: threading.Event) -> None:
        """A sender thread: its own relay connection, a batch of due messages at a time,
        woken by the composer or every ``idle_seconds``; an error closes the connection and
        is retried on the next round."""
        waiter = self._wakeup.new_waiter()
        session = SmtpSession(self._relay)
        try:
            while not stop.is_set():
                waiter.clear()
                try:
                    attempted = self.send_due(session)
                except Exception:
                    log.exception("sender error, will retry")
                    session.close()
                    attempted = 0
                if not attempted:
                    waiter.wait(self._idle)
        finally:
            session.close()

    def send_due(self, session: SmtpSession | None = None, limit: int | None = None) -> int:
        """Try up to ``limit`` due messages once each over one connection; return how many
        were attempted."""
        own = session is None
        session = session or SmtpSession(self._relay)
        attempted = 0
        try:
            with self._pool.connection() as conn:
                while attempted < (limit or self._batch) and self._send_one(conn, session):
                    attempted += 1
        finally:
            if own:
                session.close()
        return attempted

    def _send_one(self, conn: Connection[Any], session: SmtpSession) -> bool:
        now = self._clock.now()
        with conn.transaction():
            due = store.claim_due(conn, now)
            if due is None:
                return False
            if not due.recipient:
                store.wait_for_address(conn, due.notice_id, until=now + ADDRESS_WAIT)
                return True
            with trace_context(due.trace_id or None):
                outcome, error = self._deliver(due, session)
                self._record(conn, due, outcome, error, now)
        return True

    def _deliver(self, due: store.Due, session: SmtpSession) -> tuple[str, str | None]:
        """The outcome of handing ``due`` to the relay (a mail's token is asked of auth first)."""
        text, html = due.body_text, due.body_html
        if due.token_id is not None:
            outcome, error, token = self._token_for(due.token_id)
            if token is None:
                return outcome, error
            text = text.replace(TOKEN_PLACEHOLDER, token)
            html = html.replace(TOKEN_PLACEHOLDER, token) if html else html
        return session.send(build_message(sender=self._relay.sender, due=due, text=text, html=html))

    def _token_for(self, token_id: str) -> tuple[str, str | None, str | None]:
        """(outcome so far, error, the token — None when there is none to send)."""
        if self._tokens is None:
            return FAILED, "no token source configured", None
        try:
            token = self._tokens(token_id)
        except grpc.RpcError as exc:
            return UNREACHABLE, f"auth unreachable for the token: {exc.code()}", None
        if not token:
            # Used, expired or superseded by a newer request: a dead link is not worth sending.
            return FAILED, "the token expired or was superseded before the mail went out", None
        return SENT, None, token

    def _record(
        self, conn: Connection[Any], due: store.Due, outcome: str, error: str | None, now: datetime
    ) -> None:
        attempts = due.attempts + 1
        done_at = self._clock.now()
        # "NDA sent" / "mail sent" … (the runbook greps them), with the case and entry of an NDA.
        what = "NDA" if due.kind == "nda" else "mail"
        facts: dict[str, Any] = {"notice_id": due.notice_id, "kind": due.kind, "attempts": attempts}
        if due.case_number:
            facts.update(case_number=due.case_number, entry_number=due.entry_number)
        # Once an NDA is out (or never will be), its free-look tokens are the recipient's alone:
        # access keeps only their hashes, notify the message with the tokens blanked.
        if outcome == SENT:
            store.record_done(
                conn,
                due.notice_id,
                status=SENT,
                attempts=attempts,
                at=done_at,
                error=None,
                forget_links=due.with_links,
            )
            publish_outcome(conn, due, attempts=attempts, at=done_at)
            if due.entered_at is not None:
                NDA_LATENCY.observe(max((done_at - due.entered_at).total_seconds(), 0.0))
            log.info(f"{what} sent", extra=facts)
        elif should_retry(outcome, attempts, self._max_attempts):
            next_at = now + retry_delay(self._retry_base, attempts)
            store.record_retry(conn, due.notice_id, attempts=attempts, next_at=next_at, error=error)
            log.warning(f"{what} not accepted, will retry", extra={**facts, "error": error})
        else:
            outcome, error = FAILED, error or "attempts exhausted"
            store.record_done(
                conn,
                due.notice_id,
                status=FAILED,
                attempts=attempts,
                at=done_at,
                error=error,
                forget_links=due.with_links,
            )
            publish_outcome(conn, due, attempts=attempts, at=done_at, error=error)
            log.error(f"{what} failed", extra={**facts, "error": error})
        NOTICES.labels(due.kind, RETRY if outcome == UNREACHABLE else outcome).inc()


# -- the outcome's event ---------------------------------------------------------------------


def publish_outcome(
    conn: Connection[Any], due: store.Due, *, attempts: int, at: datetime, error: str | None = None
) -> None:
    """``notify.notice_sent`` (no error) or ``notify.notice_failed``, through the outbox. The
    account is left out for a secondary address (its owner did not receive it)."""
    common: dict[str, Any] = {
        "notice_id": due.notice_id,
        "case_number": due.case_number or "",
        "entry_number": due.entry_number or 0,
        "recipient_email": due.recipient,
        "recipient_account_id": (due.account_id or "") if due.reason != "secondary" else "",
        "attempts": attempts,
    }
    event: events_pb2.NoticeSent | events_pb2.NoticeFailed
    if error is None:
        event = events_pb2.NoticeSent(**common)
        event.sent_at.FromDatetime(at)
    else:
        event = events_pb2.NoticeFailed(**common, error=error)
        event.failed_at.FromDatetime(at)
    publish(
        conn,
        event_type="notify.notice_sent" if error is None else "notify.notice_failed",
        source="notify",
        subject=due.case_number or due.account_id or due.notice_id,
        payload=event,
    )
