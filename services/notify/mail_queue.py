"""The outgoing mail queue: rows written with the decision, delivered by the sender."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from psycopg import Connection

# Where a mail's single-use token goes: filled in by the sender, never stored.
TOKEN_PLACEHOLDER = "{{token}}"  # noqa: S105 (a placeholder, not a secret)


@dataclass(frozen=True)
class OutgoingMail:
    kind: str
    recipient: str
    subject: str
    body_text: str
    account_id: str | None = None
    body_html: str | None = None
    # A deterministic id makes the same notice queued twice one row (and one Message-ID).
    dedupe_key: str | None = None
    # The auth token slot whose token replaces TOKEN_PLACEHOLDER in the body when sent.
    token_id: str | None = None


def queue_mail(conn: Connection[Any], mail: OutgoingMail) -> None:
    mail_id = (
        uuid.uuid5(uuid.NAMESPACE_URL, f"openecf:{mail.dedupe_key}")
        if mail.dedupe_key
        else uuid.uuid4()
    )
    conn.execute(
        "INSERT INTO mail_queue (mail_id, kind, account_id, recipient, subject, body_text,"
        " body_html, message_id, token_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (mail_id) DO NOTHING",
        [
            mail_id,
            mail.kind,
            mail.account_id,
            mail.recipient,
            mail.subject,
            mail.body_text,
            mail.body_html,
            f"<{mail_id}@openecf>",
            mail.token_id,
        ],
    )
