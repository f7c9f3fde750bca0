"""Stage 1, the account view: notify's own copy of each account it may write to, from
auth.events. Mail is addressed from here, never from auth's tables: each account's name,
primary address, notice format and flag, and its secondary addresses (all cases or chosen
cases)."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from court.v1 import common_pb2, events_pb2
from psycopg import Connection

from services.common.enums import role_name
from services.common.events import unpack
from services.notify import notices
from services.notify.store import views

log = logging.getLogger(__name__)
_FORMATS = {common_pb2.NOTICE_FORMAT_TEXT: "text"}


def on_account_registered(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AccountRegistered)
    notices.account_change_begins(conn)
    # Last writer by event time wins, so an old event replayed late changes nothing.
    first_time = views.upsert_account(
        conn,
        views.AccountRow(
            account_id=event.account_id,
            username=event.username,
            name=event.name,
            email=event.email,
            role=role_name(event.role),
            notice_format=_FORMATS.get(event.notice_format, "html"),
            notices_enabled=event.notices_enabled,
            updated_at=envelope.occurred_at.ToDatetime(tzinfo=UTC),
        ),
    )
    if first_time:
        # Docket events read before it (another topic, another consumer) may already name
        # the account as counsel or subscriber.
        notices.backfill_account(conn, event.account_id)
    log.info("recipient updated", extra={"account_id": event.account_id})


def on_account_updated(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AccountUpdated)
    notices.account_change_begins(conn)
    changed_at = event.updated_at.ToDatetime(tzinfo=UTC)
    updated = views.update_account(
        conn,
        account_id=event.account_id,
        name=event.name,
        email=event.email,
        notice_format=_FORMATS.get(event.notice_format, "html"),
        notices_enabled=event.notices_enabled,
        address=event.address,  # where paper service is mailed (paper_service.py)
        updated_at=changed_at,
    )
    if not updated:
        return  # an older snapshot than the one we have
    # A full snapshot: the secondary addresses are replaced, in the owner's order. A new
    # address gets the notices of entries recorded from now on, not past ones.
    views.replace_secondary_emails(
        conn,
        event.account_id,
        [
            (secondary.email, None if secondary.all_cases else list(secondary.case_numbers))
            for secondary in event.secondary_emails
            if secondary.email
        ],
    )
    # Entries notify recorded after this change was made in auth but before it heard of it
    # (another topic, another consumer) were addressed from the older view: an address not yet
    # confirmed, notices then off. They get this account's notices now; a notice is one per
    # entry and address, so none is sent twice.
    notices.backfill_account(conn, event.account_id, recorded_since=changed_at)
