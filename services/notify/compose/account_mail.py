"""Stage 3, compose (account mail): the e-mails of auth's events: lockout, credential reissue,
address confirmation, security changes (told to the old address), e-filer approval.

Each handler runs in its consumer's transaction and only queues the message in the outgoing
queue (``queue_mail`` with a dedupe key from the event, so a redelivery is one row and one
Message-ID); outgoing.py delivers it like an NDA. Filing receipts and rejections are in
filing_mail.py.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg import Connection

from services.common.clock import court_time
from services.common.errors import PermanentEventError
from services.common.events import unpack
from services.notify.outgoing import TOKEN_PLACEHOLDER, OutgoingMail, queue_mail
from services.notify.store import views

_SECURITY_CHANGES = {
    "email": "its e-mail address: it asked to move the account's mail to a new address (it "
    "moves once that address confirms)",
    "password": "its password",
    "mfa_enrolled": "its second factor (a new authenticator app was set up)",
    "mfa_removed": "its second factor (it was removed)",
}
SIGNATURE = "\n\n— The Clerk's Office (OpenECF). This mailbox is not monitored."


def _queue(conn: Connection[Any], mail: OutgoingMail) -> None:
    """Queue ``mail`` unless it has no address: auth names none ("") for an account whose
    address is not confirmed yet, which receives nothing but its confirmation link."""
    if mail.recipient:
        queue_mail(conn, mail)


class AccountMail:
    def __init__(self, *, public_base_url: str, tz: ZoneInfo) -> None:
        self._base = public_base_url.rstrip("/")
        self._tz = tz

    def on_account_locked(self, conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
        event = unpack(envelope, events_pb2.AccountLocked)
        name, email = recipient_of(conn, event.account_id)
        until = court_time(event.until.ToDatetime(tzinfo=UTC), self._tz).local_label
        _queue(
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
        link = f"{self._base}/reset-password?token={TOKEN_PLACEHOLDER}"
        _queue(
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
                token_id=event.token_id,
            ),
        )

    def on_email_confirmation(
        self, conn: Connection[Any], envelope: events_pb2.EventEnvelope
    ) -> None:
        """The only mail an address gets before it is confirmed."""
        event = unpack(envelope, events_pb2.EmailConfirmationRequested)
        expires = court_time(event.expires_at.ToDatetime(tzinfo=UTC), self._tz).local_label
        link = f"{self._base}/confirm-email?token={TOKEN_PLACEHOLDER}"
        _queue(
            conn,
            OutgoingMail(
                kind="email_confirmation",
                account_id=event.account_id,
                recipient=event.email,
                subject="Confirm your e-mail address for court e-filing",
                body_text=(
                    f"The court e-filing account of {event.name} asked to send its mail to "
                    f"this address. To confirm, open this link before {expires} (it works "
                    f"once):\n{link}\n\nIf you do not know this account, ignore this "
                    "message: this address will receive nothing from it." + SIGNATURE
                ),
                dedupe_key=f"confirm:{envelope.event_id}",
                token_id=event.token_id,
            ),
        )

    def on_security_changed(
        self, conn: Connection[Any], envelope: events_pb2.EventEnvelope
    ) -> None:
        """Told to the address the account had before the change, so a takeover is noticed."""
        event = unpack(envelope, events_pb2.SecurityChanged)
        what = _SECURITY_CHANGES.get(event.change, "its security settings")
        when = court_time(event.changed_at.ToDatetime(tzinfo=UTC), self._tz).local_label
        _queue(
            conn,
            OutgoingMail(
                kind="security_changed",
                account_id=event.account_id,
                recipient=event.email,
                subject="A security change on your court e-filing account",
                body_text=(
                    f"Dear {event.name},\n\nOn {when} someone logged in to your account changed "
                    f"{what}. Every other session of the account was ended.\n\nIf this was not "
                    f"you, reset your password at once ({self._base}/forgot-password) and call "
                    "the Clerk's Office." + SIGNATURE
                ),
                dedupe_key=f"security:{envelope.event_id}",
            ),
        )

    def on_efiler_approved(self, conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
        event = unpack(envelope, events_pb2.EfilerApproved)
        _queue(
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
    found = views.account_name_and_email(conn, account_id)
    if found is None:
        # auth.events is keyed by account, so registration always arrives first.
        raise PermanentEventError(f"no recipient record for account {account_id}")
    return found
