"""Talking to the SMTP relay, and delivering the account e-mails of ``mail_queue``.

How a reply is judged (``SmtpSession.send``):
- 2xx: sent;
- 4xx from the relay for the message or the recipient: try again later with backoff, up to
  ``mail_max_attempts`` tries;
- the relay unreachable, or refusing the session itself (connection, EHLO, AUTH, MAIL FROM):
  ``unreachable`` — try again with backoff for as long as it takes (the message is fine, the
  relay is not; the queue gauges and the oldest-unsent age tell the SREs);
- 5xx for the recipient or the message: failed for good (recorded, counted).

NDAs have their own queue and sender (delivery.py); both use the session here.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import grpc
from psycopg_pool import ConnectionPool

from services.common.clock import Clock, system_clock
from services.common.settings import Settings
from services.notify import outcomes
from services.notify.mail_queue import TOKEN_PLACEHOLDER
from services.notify.metrics import NOTICES

log = logging.getLogger(__name__)
# How long a message whose account notify does not know yet waits before looking again.
ADDRESS_WAIT = timedelta(seconds=5)

# Mints the single-use token of a mail's slot at auth when it is sent ("" when it ended).
TokenSource = Callable[[str], str]

SENT, RETRY, UNREACHABLE, FAILED = "sent", "retry", "unreachable", "failed"
_RELAY_TROUBLE = (
    smtplib.SMTPHeloError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int
    starttls: bool
    username: str
    password: str
    sender: str
    timeout_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpRelay:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            sender=settings.mail_from,
        )

    def connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp


class SmtpSession:
    """One connection to the relay, kept between messages and reopened after any error."""

    IDLE_CHECK_SECONDS = 10.0

    def __init__(self, relay: SmtpRelay) -> None:
        self._relay = relay
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0

    def send(self, message: EmailMessage) -> tuple[str, str | None]:
        """Hand ``message`` to the relay: (sent|retry|failed, the error for the record)."""
        try:
            self._connection().send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, text = min(exc.recipients.values(), key=lambda reply: reply[0])
            return _judge(code), f"recipient refused: {code} {_text(text)}"[:500]
        except _RELAY_TROUBLE as exc:
            self.close()
            return UNREACHABLE, f"relay refused the session: {exc!r}"[:500]
        except smtplib.SMTPResponseException as exc:
            self.close()
            return _judge(exc.smtp_code), f"{exc.smtp_code} {_text(exc.smtp_error)}"[:500]
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return UNREACHABLE, repr(exc)[:500]
        self._last_used = time.monotonic()
        return SENT, None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None and time.monotonic() - self._last_used > self.IDLE_CHECK_SECONDS:
            # The relay may have dropped an idle connection: find out before using it.
            try:
                alive = self._smtp.noop()[0] == 250
            except (OSError, smtplib.SMTPException):
                alive = False
            if not alive:
                self.close()
        if self._smtp is None:
            self._smtp = self._relay.connect()
            self._last_used = time.monotonic()
        return self._smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _judge(code: int) -> str:
    if 200 <= code < 300:
        return SENT
    return RETRY if 400 <= code < 500 else FAILED


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def should_retry(outcome: str, attempts: int, max_attempts: int) -> bool:
    """A 4xx is tried ``max_attempts`` times; an unreachable relay, until it is back."""
    return outcome == UNREACHABLE or (outcome == RETRY and attempts < max_attempts)


def retry_delay(base: timedelta, attempts: int) -> timedelta:
    """Backoff after ``attempts`` failed tries: base, doubling, at most 64 times base."""
    return base * min(2 ** max(attempts - 1, 0), 64)


def send_forever(
    relay: SmtpRelay,
    stop: threading.Event,
    *,
    send_due: Callable[[SmtpSession], int],
    idle: Callable[[], object],
    before: Callable[[], object] = lambda: None,
    what: str,
) -> None:
    """One sender thread, for NDAs and account mail alike: its own relay connection, a batch
    of due messages at a time, ``idle()`` when there was none; an error closes the connection
    and is retried on the next round."""
    session = SmtpSession(relay)
    try:
        while not stop.is_set():
            before()
            try:
                attempted = send_due(session)
            except Exception:
                log.exception("%s sender error, will retry", what)
                session.close()
                attempted = 0
            if not attempted:
                idle()
    finally:
        session.close()


class MailSender:
    """Delivers ``mail_queue`` (account e-mails); the row stays locked while it is sent, so
    two senders never send it twice and a crash before the commit leaves it pending."""

    def __init__(
        self,
        *,
        pool: ConnectionPool,
        relay: SmtpRelay,
        retry_base: timedelta,
        max_attempts: int,
        tokens: TokenSource | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self._pool = pool
        self._relay = relay
        self._retry_base = retry_base
        self._max_attempts = max_attempts
        self._tokens = tokens
        self._clock = clock

    def run(self, stop: threading.Event) -> None:
        send_forever(
            self._relay, stop, send_due=self.send_due, idle=lambda: stop.wait(0.5), what="mail"
        )

    def send_due(self, session: SmtpSession | None = None, limit: int = 20) -> int:
        """Try every due message once; return how many were attempted."""
        own = session is None
        session = session or SmtpSession(self._relay)
        attempted = 0
        try:
            for _ in range(limit):
                if not self._send_one(session):
                    break
                attempted += 1
        finally:
            if own:
                session.close()
        return attempted

    def _token_for(self, token_id: str | None) -> tuple[str, str | None, str | None]:
        """(outcome so far, error, the token to fill in — "" for a mail without one)."""
        if token_id is None:
            return SENT, None, ""
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

    def _send_one(self, session: SmtpSession) -> bool:
        now = self._clock.now()
        with self._pool.connection() as conn, conn.transaction():
            # A message queued before notify knew its account's address (filing.events and
            # auth.events are separate topics) takes the address when it is sent.
            row = conn.execute(
                "SELECT mail_id, kind, account_id::text,"
                " coalesce(nullif(recipient, ''),"
                "  (SELECT r.email FROM recipients r WHERE r.account_id = q.account_id), ''),"
                " subject, body_text, body_html, message_id, attempts, created_at, token_id::text"
                " FROM mail_queue q WHERE status = 'pending' AND next_attempt_at <= %s"
                " ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                [now],
            ).fetchone()
            if row is None:
                return False
            (mail_id, kind, account_id, recipient, subject, text, html, message_id, attempts,
             created, token_id) = row  # fmt: skip
            if not recipient:
                conn.execute(
                    "UPDATE mail_queue SET next_attempt_at = %s, last_error = %s"
                    " WHERE mail_id = %s",
                    [now + ADDRESS_WAIT, "waiting for the account's address", mail_id],
                )
                return True
            message = EmailMessage()
            message["From"] = self._relay.sender
            message["To"] = recipient
            message["Subject"] = subject
            message["Message-ID"] = message_id
            message["Date"] = format_datetime(created)
            message["Auto-Submitted"] = "auto-generated"
            outcome, error, token = self._token_for(token_id)
            if token is not None:
                message.set_content(text.replace(TOKEN_PLACEHOLDER, token))
                if html:
                    message.add_alternative(html.replace(TOKEN_PLACEHOLDER, token), subtype="html")
                outcome, error = session.send(message)
            attempts += 1
            delivered = outcomes.Delivered(
                message_id=str(mail_id),
                recipient=recipient,
                account_id=account_id or "",
                attempts=attempts,
            )
            if outcome == SENT:
                sent_at = self._clock.now()
                conn.execute(
                    "UPDATE mail_queue SET status = 'sent', attempts = %s, sent_at = %s,"
                    " last_error = NULL WHERE mail_id = %s",
                    [attempts, sent_at, mail_id],
                )
                outcomes.publish_sent(conn, delivered, at=sent_at)
            elif should_retry(outcome, attempts, self._max_attempts):
                conn.execute(
                    "UPDATE mail_queue SET attempts = %s, next_attempt_at = %s, last_error = %s"
                    " WHERE mail_id = %s",
                    [attempts, now + retry_delay(self._retry_base, attempts), error, mail_id],
                )
            else:
                outcome = FAILED
                conn.execute(
                    "UPDATE mail_queue SET status = 'failed', attempts = %s, last_error = %s"
                    " WHERE mail_id = %s",
                    [attempts, error, mail_id],
                )
                # Account mail that is given up on is on notify.events too, like an NDA.
                outcomes.publish_failed(
                    conn, delivered, at=self._clock.now(), error=error or "attempts exhausted"
                )
                log.error("mail failed", extra={"mail_id": str(mail_id), "kind": kind})
            NOTICES.labels(kind, RETRY if outcome == UNREACHABLE else outcome).inc()
        return True
