"""The last stage: talking SMTP to the relay. Nothing else in notify opens a connection.

How a reply is judged (``SmtpSession.send``):
- 2xx: ``sent``;
- 4xx from the relay for the message or the recipient: ``retry`` (the outgoing queue tries
  again later with backoff, up to ``mail_max_attempts`` tries);
- the relay unreachable, or refusing the session itself (connection, EHLO, AUTH, MAIL FROM):
  ``unreachable`` — the message is fine, the relay is not, so it is tried for as long as it
  takes (the queue gauges and the oldest-unsent age tell the SREs);
- 5xx for the recipient or the message: ``failed`` for good.

One ``SmtpSession`` is one connection, reused for message after message (a sender thread
keeps its own) and reopened after any error or a failed NOOP on an idle connection.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage

from services.common.settings import Settings

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
