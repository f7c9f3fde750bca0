"""Reading a case and its docket sheet, as the reader may see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import common_pb2, docket_pb2
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common.court import check_case_number
from services.common.errors import CourtError
from services.docket import paging, store
from services.docket.access import AccessChecker, Decision
from services.docket.models import CaseRecord, CounselRecord, EntryRecord, Viewer
from services.docket.wire import case_pb, entry_pb

PAGE_DEFAULT = 50
PAGE_MAX = 200
SEALED = "sealed"


@dataclass(frozen=True)
class SheetPage:
    case: CaseRecord
    counsel: list[CounselRecord]
    entries: list[EntryRecord]
    # Entry number to continue after, or None on the last page.
    next_after: int | None
    # How many entries the case has.
    total: int


def find_case(conn: Connection[Any], case_number: str) -> CaseRecord:
    case = store.case_by_number(conn, check_case_number(case_number))
    if case is None:
        raise CourtError("not_found", f"no case {case_number.strip()}")
    return case


def read_page(conn: Connection[Any], case_number: str, *, after: int, limit: int) -> SheetPage:
    """One page of a docket sheet: the entries numbered after ``after``, in order.

    Entry numbers are gapless, so the case's last number is the total and says whether a
    next page exists without counting: every page costs one range scan of the key. A case
    imported from ACMS keeps ACMS's gaps: its entries are counted (once per page).
    """
    case = find_case(conn, case_number)
    entries = store.entries_page(conn, case.case_id, after=after, limit=limit)
    counsel = store.counsel_for(conn, [case.case_id])[case.case_id]
    last = entries[-1].entry_number if entries else after
    return SheetPage(
        case=case,
        counsel=counsel,
        entries=entries,
        next_after=last if last < case.last_entry_number else None,
        total=store.count_entries(conn, case.case_id) if case.imported else case.last_entry_number,
    )


def sheet_token(case_number: str) -> str:
    return f"sheet:{case_number}"


class DocketReader:
    def __init__(self, pool: ConnectionPool, access: AccessChecker, *, tz: ZoneInfo) -> None:
        self._pool = pool
        self._access = access
        self._tz = tz

    def case(self, case_number: str, viewer: Viewer) -> docket_pb2.Case:
        with self._pool.connection() as conn:
            case = find_case(conn, case_number)
            counsel = store.counsel_for(conn, [case.case_id])[case.case_id]
        return case_pb(case, counsel, viewer=viewer, tz=self._tz)

    def sheet(
        self,
        case_number: str,
        page: common_pb2.PageRequest,
        viewer: Viewer,
        *,
        session_token: str | None,
    ) -> docket_pb2.GetDocketSheetResponse:
        case_number = check_case_number(case_number)
        listing = sheet_token(case_number)
        after = paging.decode(page.page_token, listing) or 0
        limit = paging.page_size(page.page_size, default=PAGE_DEFAULT, maximum=PAGE_MAX)
        with self._pool.connection() as conn:
            found = read_page(conn, case_number, after=after, limit=limit)
        # The pool connection is back before access is asked: a slow access never holds one.
        decisions = self._access.check(_askable(found.entries, viewer), session_token)
        return docket_pb2.GetDocketSheetResponse(
            case=case_pb(found.case, found.counsel, viewer=viewer, tz=self._tz),
            entries=[
                entry_pb(
                    entry,
                    viewer=viewer,
                    documents=entry_documents(entry, viewer, decisions),
                    tz=self._tz,
                )
                for entry in found.entries
            ],
            page=common_pb2.PageInfo(
                next_page_token=(
                    paging.encode(listing, found.next_after) if found.next_after else ""
                ),
                total_size=found.total,
            ),
        )


def _askable(entries: list[EntryRecord], viewer: Viewer) -> list[str]:
    # Docket knows a sealed entry is court-staff only: no need to ask for anyone else.
    return [
        doc
        for entry in entries
        if not entry.sealed or viewer.is_court_staff
        for doc in entry.document_ids
    ]


def entry_documents(
    entry: EntryRecord, viewer: Viewer, decisions: dict[str, Decision]
) -> list[docket_pb2.EntryDocument]:
    hidden = entry.sealed and not viewer.is_court_staff
    documents = []
    for doc in entry.documents:
        document_id = str(doc["document_id"])
        decision = (
            Decision(allowed=False, reason=SEALED)
            if hidden
            else decisions.get(document_id, Decision(allowed=False, reason="unavailable"))
        )
        documents.append(
            docket_pb2.EntryDocument(
                document_id=document_id,
                pages=int(doc.get("pages", 0)),
                filename="" if hidden else str(doc.get("filename", "")),
                may_open=decision.allowed,
                denied_reason="" if decision.allowed else decision.reason,
                fee_cents=decision.fee_cents if decision.allowed else 0,
            )
        )
    return documents
