"""Account e-mails, composed from auth's events: lockout, credential reissue, e-filer approval.

Each handler runs in its consumer's transaction and only queues the message (``queue_mail``
with a dedupe key from the event, so a redelivery is one row and one Message-ID); the
MailSender (sender.py) delivers it with retries.
Filing receipts and rejections are in filing_mail.py.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg import Connection

from services.common.clock import court_time
from services.common.errors import PermanentEventError
from services.common.events import unpack
from services.notify.mail_queue import OutgoingMail, queue_mail

SIGNATURE = "\n\n— The Clerk's Office (OpenECF). This mailbox is not monitored."


class AccountMail:
    def __init__(self, *, public_base_url: str, tz: ZoneInfo) -> None:
        self._base = public_base_url.rstrip("/")
        self._tz = tz

    def on_account_locked(self, conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
        event = unpack(envelope, events_pb2.AccountLocked)
        name, email = recipient_of(conn, event.account_id)
        until = court_time(event.until.ToDatetime(tzinfo=UTC), self._tz).local_label
        queue_mail(
            conn,
            OutgoingMail(
                kind="account_locked",
                account_id=event.account_id,
                recipient=email,
                subject="Your court e-filing account was locked",
                body_text=(
                    f"Dear {name},\n\nYour account was locked after repeated failed login "
                    f"attempts. It unlocks on {until}.\n\nIf this was not you, reset your "
                    f"password: {self._base}/forgot-password" + SIGNATURE
                ),
                dedupe_key=f"locked:{envelope.event_id}",
            ),
        )

    def on_credential_reissue(
        self, conn: Connection[Any], envelope: events_pb2.EventEnvelope
    ) -> None:
        event = unpack(envelope, events_pb2.CredentialReissueRequested)
        expires = court_time(event.expires_at.ToDatetime(tzinfo=UTC), self._tz).local_label
        link = f"{self._base}/reset-password?token={quote(event.reset_token)}"
        queue_mail(
            conn,
            OutgoingMail(
                kind="credential_reissue",
                account_id=event.account_id,
                recipient=event.email,
                subject="Your court e-filing login",
                body_text=(
                    f"Your username is: {event.username}\n\nTo set a new password, open this "
                    f"link before {expires} (it works once):\n{link}\n\n"
                    "If you did not ask for this, ignore this message." + SIGNATURE
                ),
                dedupe_key=f"reissue:{envelope.event_id}",
            ),
        )

    def on_efiler_approved(self, conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
        event = unpack(envelope, events_pb2.EfilerApproved)
        queue_mail(
            conn,
            OutgoingMail(
                kind="efiler_approved",
                account_id=event.account_id,
                recipient=event.email,
                subject="Your e-filing registration was approved",
                body_text=(
                    f"Dear {event.name},\n\nThe Clerk's Office approved your e-filing "
                    "registration. Before your first filing, enrol a second factor (an "
                    f"authenticator app) under My Account: {self._base}/" + SIGNATURE
                ),
                dedupe_key=f"efiler:{envelope.event_id}",
            ),
        )


def recipient_of(conn: Connection[Any], account_id: str) -> tuple[str, str]:
    row = conn.execute(
        "SELECT name, email FROM recipients WHERE account_id = %s", [account_id]
    ).fetchone()
    if row is None:
        # auth.events is keyed by account, so registration always arrives first.
        raise PermanentEventError(f"no recipient record for account {account_id}")
    return row[0], row[1]
