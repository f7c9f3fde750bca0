"""Keeping notify's view of accounts current from auth.events."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from court.v1 import common_pb2, events_pb2
from psycopg import Connection

from services.common.events import unpack

log = logging.getLogger(__name__)
_FORMATS = {common_pb2.NOTICE_FORMAT_TEXT: "text"}


def on_account_registered(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AccountRegistered)
    # Last writer by event time wins, so an old event replayed late changes nothing.
    conn.execute(
        "INSERT INTO recipients (account_id, username, name, email, role, notice_format,"
        " notices_enabled, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (account_id) DO UPDATE SET username = excluded.username,"
        " name = excluded.name, email = excluded.email, role = excluded.role,"
        " notice_format = excluded.notice_format, notices_enabled = excluded.notices_enabled,"
        " updated_at = excluded.updated_at WHERE recipients.updated_at <= excluded.updated_at",
        [
            event.account_id,
            event.username,
            event.name,
            event.email,
            common_pb2.Role.Name(event.role).removeprefix("ROLE_").lower(),
            _FORMATS.get(event.notice_format, "html"),
            event.notices_enabled,
            envelope.occurred_at.ToDatetime(tzinfo=UTC),
        ],
    )
    log.info("recipient updated", extra={"account_id": event.account_id})
