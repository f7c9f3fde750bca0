"""Paper service due: who must be served by mail with each docket entry, until the clerk has.

Notify already decides, per entry, who is served on paper (``notices.paper_service``: counsel
with no e-mail or notices off, parties no counsel represents that have no e-mail); every NDA
lists them. When an entry is recorded, the same list becomes the clerk's queue here, one item
per participant, recorded in the consumer's transaction with the entry's notices (so an
entry never has notices without its paper service, and a redelivery adds nothing). The filer
of the entry is not served with their own filing.

Each item's packet is the NDA as text (ACMS's labels, no free-look links: paper has none)
followed by the entry's documents; notify supplies the text and the document ids, and the edge
fetches the documents from access as the clerk, so each is decided and audited there. A sealed
entry's documents are court staff only: its packet is the NDA alone.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from court.v1 import events_pb2, notify_pb2
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common.errors import CourtError
from services.common.events import unpack
from services.common.principal import Principal
from services.notify import notices, templates
from services.notify.links import mailed_to

log = logging.getLogger(__name__)


def item_id_for(case_number: str, entry_number: int, participant: str) -> uuid.UUID:
    """One entry served on one participant: the same id however often it is recorded."""
    key = f"openecf:paper:{case_number}:{entry_number}:{participant.strip().casefold()}"
    return uuid.uuid5(uuid.NAMESPACE_URL, key)


def record_due(conn: Connection[Any], case_number: str, entry_number: int, filer: str) -> int:
    """The entry's paper-service items (the NDA's not-mailed list, less the filer)."""
    added = 0
    for person in notices.paper_service(conn, case_number, entry_number):
        if person.name.strip().casefold() == filer.strip().casefold():
            continue  # nobody is served with their own filing
        account = conn.execute(
            "SELECT account_id FROM case_counsel WHERE case_number = %s AND name = %s"
            " ORDER BY since_entry LIMIT 1",
            [case_number, person.name],
        ).fetchone()
        added += conn.execute(
            "INSERT INTO paper_service_due (item_id, case_number, entry_number,"
            " participant_name, participant_detail, account_id) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [
                item_id_for(case_number, entry_number, person.name),
                case_number,
                entry_number,
                person.name,
                person.detail,
                account[0] if account else None,
            ],
        ).rowcount
    return added


def on_entry_recorded(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    """``docket.entry_recorded``: the entry's notices (notices.py), then its paper service."""
    notices.on_entry_recorded(conn, envelope)
    event = unpack(envelope, events_pb2.EntryRecorded)
    added = record_due(conn, event.case_number, event.entry_number, event.filer)
    if added:
        log.info(
            "paper service due",
            extra={
                "case_number": event.case_number,
                "entry_number": event.entry_number,
                "participants": added,
            },
        )


@dataclass(frozen=True)
class _Entry:
    case_title: str
    docket_text: str
    entered_at: datetime
    filed_at: datetime
    documents: list[dict[str, Any]]
    sealed: bool


_ITEM_COLUMNS = (
    "p.item_id::text, p.case_number, p.entry_number, p.participant_name, p.participant_detail,"
    " coalesce(r.address, ''), p.due_since, p.served_at, p.served_by_account_id::text,"
    " e.case_title, e.docket_text, e.entered_at, e.filed_at, e.documents, e.sealed"
)
_ITEM_FROM = (
    " FROM paper_service_due p"
    " JOIN entries e USING (case_number, entry_number)"
    " LEFT JOIN recipients r ON r.account_id = p.account_id"
)


def _item(row: tuple[Any, ...]) -> tuple[notify_pb2.PaperServiceItem, _Entry]:
    entry = _Entry(
        case_title=row[9],
        docket_text=row[10],
        entered_at=row[11],
        filed_at=row[12],
        documents=list(row[13] or []),
        sealed=row[14],
    )
    item = notify_pb2.PaperServiceItem(
        item_id=row[0],
        case_number=row[1],
        entry_number=row[2],
        case_title=entry.case_title,
        entry_text=entry.docket_text,
        participant_name=row[3],
        participant_detail=row[4],
        address=row[5],
        # Sealed: court staff only, never in a mailed packet.
        document_ids=[] if entry.sealed else [d["document_id"] for d in entry.documents],
        served_by_account_id=row[8] or "",
    )
    item.due_since.FromDatetime(row[6].astimezone(UTC))
    if row[7] is not None:
        item.served_at.FromDatetime(row[7].astimezone(UTC))
    return item, entry


def _item_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise CourtError("not_found", "no such paper-service item") from None


class PaperServiceDesk:
    """The clerk's paper-service queue (the servicer checks the caller is court staff)."""

    def __init__(
        self, pool: ConnectionPool, *, court_name: str, public_base_url: str, tz: ZoneInfo
    ) -> None:
        self._pool = pool
        self._court = court_name
        self._base = public_base_url.rstrip("/")
        self._tz = tz

    def list(self, *, include_served: bool, limit: int = 500) -> list[notify_pb2.PaperServiceItem]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM}"
                + ("" if include_served else " WHERE p.served_at IS NULL")
                + " ORDER BY p.due_since, p.case_number, p.entry_number, p.participant_name"
                " LIMIT %s",
                [limit],
            ).fetchall()
        return [_item(row)[0] for row in rows]

    def get(self, item_id: str) -> tuple[notify_pb2.PaperServiceItem, str]:
        """The item and its NDA as text."""
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM} WHERE p.item_id = %s", [_item_id(item_id)]
            ).fetchone()
            if row is None:
                raise CourtError("not_found", "no such paper-service item")
            item, entry = _item(row)
            content = templates.NdaContent(
                court_name=self._court,
                case_number=item.case_number,
                case_title=entry.case_title,
                case_url=f"{self._base}/cases/{quote(item.case_number, safe='-')}",
                entry_number=item.entry_number,
                docket_text=entry.docket_text,
                entered_at=entry.entered_at,
                filed_at=entry.filed_at,
                recipient_name=item.participant_name,
                reason="paper",
                documents=[
                    templates.DocumentLine(
                        number=number,
                        filename=document.get("filename") or document["document_id"],
                        pages=int(document.get("pages") or 0),
                        link=None,
                    )
                    for number, document in enumerate(entry.documents, start=1)
                ],
                documents_note=templates.SEALED_NOTE if entry.sealed else None,
                mailed_to=mailed_to(conn, item.case_number, item.entry_number),
                not_mailed_to=[
                    templates.NotMailedTo(p.name, p.detail)
                    for p in notices.paper_service(conn, item.case_number, item.entry_number)
                ],
            )
        return item, templates.render_text(content, self._tz)

    def mark_served(self, clerk: Principal, item_id: str) -> notify_pb2.PaperServiceItem:
        """Served by mail; marking it again keeps the first time and clerk."""
        with self._pool.connection() as conn, conn.transaction():
            found = conn.execute(
                "UPDATE paper_service_due SET served_at = coalesce(served_at, now()),"
                " served_by_account_id = coalesce(served_by_account_id, %s::uuid)"
                " WHERE item_id = %s RETURNING item_id",
                [clerk.account_id, _item_id(item_id)],
            ).fetchone()
        if found is None:
            raise CourtError("not_found", "no such paper-service item")
        log.info(
            "paper service marked served",
            extra={"item_id": item_id, "clerk_account_id": clerk.account_id},
        )
        return self.get(item_id)[0]
