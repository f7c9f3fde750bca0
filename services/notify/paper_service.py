"""Paper service due: who must be served by mail with each docket entry, until the clerk has.

Notify already decides, per entry, who is served on paper (``notices.paper_service``: counsel
with no e-mail or notices off, parties no counsel represents that have no e-mail); every NDA
lists them. When an entry is recorded (case_view.py), the same list becomes the clerk's
queue here, one item per participant, recorded in the consumer's transaction with the
entry's notices (so an entry never has notices without its paper service, and a redelivery
adds nothing). The filer
of the entry is not served with their own filing.

Each item's packet is the NDA as text (ACMS's labels, no free-look links: paper has none)
followed by the entry's documents; notify supplies the text and the document ids, and the edge
fetches the documents from access as the clerk, so each is decided and audited there. A sealed
entry's documents are court staff only: its packet is the NDA alone.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from court.v1 import notify_pb2
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common.errors import CourtError
from services.common.principal import Principal
from services.notify import notices
from services.notify.compose import nda_form
from services.notify.compose.nda import mailed_to
from services.notify.store import paper_service as store

log = logging.getLogger(__name__)


def item_id_for(case_number: str, entry_number: int, participant: str) -> uuid.UUID:
    """One entry served on one participant: the same id however often it is recorded."""
    key = f"openecf:paper:{case_number}:{entry_number}:{participant.strip().casefold()}"
    return uuid.uuid5(uuid.NAMESPACE_URL, key)


def record_due(conn: Connection[Any], case_number: str, entry_number: int, filer: str) -> int:
    """The entry's paper-service items (the NDA's not-mailed list, less the filer), in the
    transaction that records the entry's notices."""
    added = 0
    for person in notices.paper_service(conn, case_number, entry_number):
        if person.name.strip().casefold() == filer.strip().casefold():
            continue  # nobody is served with their own filing
        added += store.insert_due(
            conn,
            item_id=item_id_for(case_number, entry_number, person.name),
            case_number=case_number,
            entry_number=entry_number,
            participant_name=person.name,
            participant_detail=person.detail,
            account_id=store.counsel_account(conn, case_number, person.name),
        )
    if added:
        log.info(
            "paper service due",
            extra={
                "case_number": case_number,
                "entry_number": entry_number,
                "participants": added,
            },
        )
    return added


def _item(row: store.DueRow) -> notify_pb2.PaperServiceItem:
    item = notify_pb2.PaperServiceItem(
        item_id=row.item_id,
        case_number=row.case_number,
        entry_number=row.entry_number,
        case_title=row.case_title,
        entry_text=row.docket_text,
        participant_name=row.participant_name,
        participant_detail=row.participant_detail,
        address=row.address,
        # Sealed: court staff only, never in a mailed packet.
        document_ids=[] if row.sealed else [d["document_id"] for d in row.documents],
        served_by_account_id=row.served_by_account_id or "",
    )
    item.due_since.FromDatetime(row.due_since.astimezone(UTC))
    if row.served_at is not None:
        item.served_at.FromDatetime(row.served_at.astimezone(UTC))
    return item


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
            rows = store.list_due(conn, include_served=include_served, limit=limit)
        return [_item(row) for row in rows]

    def get(self, item_id: str) -> tuple[notify_pb2.PaperServiceItem, str]:
        """The item and its NDA as text."""
        with self._pool.connection() as conn:
            row = store.get_due(conn, _item_id(item_id))
            if row is None:
                raise CourtError("not_found", "no such paper-service item")
            # The packet goes to a party, not to staff: a sealed entry's text stays out of it.
            docket_text, documents = nda_form.shown_entry(
                row.docket_text, row.documents, sealed=row.sealed
            )
            content = nda_form.NdaContent(
                court_name=self._court,
                case_number=row.case_number,
                case_title=row.case_title,
                case_url=f"{self._base}/cases/{quote(row.case_number, safe='-')}",
                entry_number=row.entry_number,
                docket_text=docket_text,
                entered_at=row.entered_at,
                filed_at=row.filed_at,
                recipient_name=row.participant_name,
                reason="paper",
                documents=nda_form.document_lines(documents),
                documents_note=nda_form.SEALED_NOTE if row.sealed else None,
                mailed_to=mailed_to(conn, row.case_number, row.entry_number),
                not_mailed_to=[
                    nda_form.NotMailedTo(p.name, p.detail)
                    for p in notices.paper_service(conn, row.case_number, row.entry_number)
                ],
            )
        return _item(row), nda_form.render_text(content, self._tz)

    def mark_served(self, clerk: Principal, item_id: str) -> notify_pb2.PaperServiceItem:
        """Served by mail; marking it again keeps the first time and clerk."""
        with self._pool.connection() as conn, conn.transaction():
            found = store.mark_served(conn, _item_id(item_id), clerk.account_id)
        if not found:
            raise CourtError("not_found", "no such paper-service item")
        log.info(
            "paper service marked served",
            extra={"item_id": item_id, "clerk_account_id": clerk.account_id},
        )
        return self.get(item_id)[0]
