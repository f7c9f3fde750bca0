"""Keeping notify's view of accounts current from auth.events.

Notify addresses mail from here, never from auth's tables: each account's name, primary
address, notice format and flag, and its secondary addresses (all cases or chosen cases).
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from court.v1 import common_pb2, events_pb2
from psycopg import Connection

from services.common.enums import role_name
from services.common.events import unpack
from services.notify.notices import backfill_account

log = logging.getLogger(__name__)
_FORMATS = {common_pb2.NOTICE_FORMAT_TEXT: "text"}


def on_account_registered(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AccountRegistered)
    # Last writer by event time wins, so an old event replayed late changes nothing.
    row = conn.execute(
        "INSERT INTO recipients (account_id, username, name, email, role, notice_format,"
        " notices_enabled, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (account_id) DO UPDATE SET username = excluded.username,"
        " name = excluded.name, email = excluded.email, role = excluded.role,"
        " notice_format = excluded.notice_format, notices_enabled = excluded.notices_enabled,"
        " updated_at = excluded.updated_at WHERE recipients.updated_at <= excluded.updated_at"
        " RETURNING (xmax = 0)",
        [
            event.account_id,
            event.username,
            event.name,
            event.email,
            role_name(event.role),
            _FORMATS.get(event.notice_format, "html"),
            event.notices_enabled,
            envelope.occurred_at.ToDatetime(tzinfo=UTC),
        ],
    ).fetchone()
    if row is not None and row[0]:
        # First time notify hears of the account: docket events read before it (another
        # topic, another consumer) may already name it as counsel or subscriber.
        backfill_account(conn, event.account_id)
    log.info("recipient updated", extra={"account_id": event.account_id})


def on_account_updated(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AccountUpdated)
    updated = conn.execute(
        "UPDATE recipients SET name = %s, email = %s, notice_format = %s, notices_enabled = %s,"
        " address = %s, updated_at = %s WHERE account_id = %s AND updated_at <= %s",
        [
            event.name,
            event.email,
            _FORMATS.get(event.notice_format, "html"),
            event.notices_enabled,
            event.address,  # where paper service is mailed (services/notify/paper_service.py)
            event.updated_at.ToDatetime(tzinfo=UTC),
            event.account_id,
            event.updated_at.ToDatetime(tzinfo=UTC),
        ],
    ).rowcount
    if not updated:
        return  # an older snapshot than the one we have
    # A full snapshot: the secondary addresses are replaced, in the owner's order. A new
    # address gets the notices of entries recorded from now on, not past ones.
    conn.execute("DELETE FROM secondary_emails WHERE account_id = %s", [event.account_id])
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO secondary_emails (account_id, position, email, case_numbers)"
            " VALUES (%s, %s, %s, %s)",
            [
                (
                    event.account_id,
                    position,
                    secondary.email,
                    None if secondary.all_cases else list(secondary.case_numbers),
                )
                for position, secondary in enumerate(event.secondary_emails)
                if secondary.email
            ],
        )
