"""Stage 3, compose (filing mail): the e-mails of filing.events: the receipt, and a clerk's
rejection.

Like the account mails, each handler only queues the message in the outgoing queue, in its
consumer's transaction (deduplicated by event id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import common_pb2, events_pb2
from psycopg import Connection

from services.common.clock import court_time
from services.common.enums import FILING_TYPE_NAMES
from services.common.events import unpack
from services.notify.compose.account_mail import SIGNATURE
from services.notify.outgoing import OutgoingMail, queue_mail
from services.notify.store import views


def _filer(conn: Connection[Any], account_id: str) -> tuple[str, str]:
    """(name, address) of the filer; ("filer", "") while notify has not heard of the account
    yet (auth.events is another topic): the sender takes the address when it sends."""
    return views.account_name_and_email(conn, account_id) or ("filer", "")


def _type_label(filing_type: common_pb2.FilingType.ValueType) -> str:
    return FILING_TYPE_NAMES.get(filing_type, "filing").replace("_", " ").title()


class FilingMail:
    """Queues the filing mails, with times in the court's own zone."""

    def __init__(self, *, tz: ZoneInfo) -> None:
        self._tz = tz

    def _local(self, moment: datetime) -> str:
        return court_time(moment, self._tz).local_label

    def on_filing_submitted(
        self, conn: Connection[Any], envelope: events_pb2.EventEnvelope
    ) -> None:
        event = unpack(envelope, events_pb2.FilingSubmitted)
        if event.filed_on_paper:
            return  # the party has no account and the clerk has the receipt on screen
        name, email = _filer(conn, event.filer_account_id)
        received = event.received_at.utc.ToDatetime(tzinfo=UTC)
        case = event.case_number or "a new case (the court assigns its number when it dockets it)"
        documents = "\n".join(
            f"  - {d.filename}: {d.pages} page(s), SHA-256 {d.sha256}" for d in event.documents
        )
        next_step = (
            "It waits for review by the Clerk's Office; you will be told when it is docketed or "
            "if it is rejected."
            if event.requires_review
            else "It will appear on the docket shortly."
        )
        queue_mail(
            conn,
            OutgoingMail(
                kind="filing_receipt",
                account_id=event.filer_account_id,
                recipient=email,
                subject=f"Filing receipt: {_type_label(event.filing_type)} ({event.filing_id[:8]})",
                body_text=(
                    f"Dear {name},\n\nThe court received your filing.\n\n"
                    f"Filing: {_type_label(event.filing_type)}\n"
                    f"Filing id: {event.filing_id}\n"
                    f"Case: {case}\n"
                    + (f"Title: {event.title}\n" if event.title else "")
                    + f"Received: {self._local(received)} ({received.isoformat()} UTC)\n"
                    f"Documents:\n{documents}\n\n{next_step}" + SIGNATURE
                ),
                dedupe_key=f"receipt:{envelope.event_id}",
            ),
        )

    def on_filing_rejected(self, conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
        event = unpack(envelope, events_pb2.FilingRejected)
        name, email = _filer(conn, event.filer_account_id)
        rejected = event.rejected_at.ToDatetime(tzinfo=UTC)
        queue_mail(
            conn,
            OutgoingMail(
                kind="filing_rejected",
                account_id=event.filer_account_id,
                recipient=email,
                subject=(
                    f"Filing rejected: {_type_label(event.filing_type)} ({event.filing_id[:8]})"
                ),
                body_text=(
                    f"Dear {name},\n\nThe Clerk's Office rejected your filing "
                    f"{event.filing_id}"
                    + (f" in case {event.case_number}" if event.case_number else "")
                    + f" on {self._local(rejected)}.\n\nReason: {event.reason}\n\n"
                    "You may correct it and file again." + SIGNATURE
                ),
                dedupe_key=f"rejected:{envelope.event_id}",
            ),
        )
