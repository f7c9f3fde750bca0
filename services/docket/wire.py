"""Docket records → wire messages, showing each reader only what they may see."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from court.v1 import common_pb2, docket_pb2

from services.common.wire import court_time_pb
from services.docket.fees import FEE_STATUSES
from services.docket.models import (
    CASE_TYPES,
    FILING_TYPES,
    PARTY_ROLES,
    CaseRecord,
    CounselRecord,
    EntryRecord,
    Viewer,
)

CASE_STATUSES = {"open": docket_pb2.CASE_STATUS_OPEN, "closed": docket_pb2.CASE_STATUS_CLOSED}


def parties_pb(parties: Iterable[dict[str, str]]) -> list[common_pb2.Party]:
    return [
        common_pb2.Party(name=p["name"], role=PARTY_ROLES.get(p.get("role", ""), 0))  # type: ignore[arg-type]
        for p in parties
    ]


def counsel_pb(counsel: CounselRecord) -> docket_pb2.Counsel:
    return docket_pb2.Counsel(
        account_id=counsel.account_id,
        name=counsel.name,
        firm=counsel.firm,
        party_name=counsel.party_name,
        receive_notices=counsel.notices,
    )


def may_see_restricted(case_counsel: Iterable[CounselRecord], viewer: Viewer | None) -> bool:
    """Restricted case fields (the alien number): court staff and counsel of record only."""
    if viewer is None:
        return False
    return viewer.is_court_staff or any(c.account_id == viewer.account_id for c in case_counsel)


def case_pb(
    case: CaseRecord,
    counsel: list[CounselRecord],
    *,
    viewer: Viewer | None,
    tz: ZoneInfo,
) -> docket_pb2.Case:
    origin = docket_pb2.CaseOrigin(agency=case.origin_agency)
    if may_see_restricted(counsel, viewer):
        origin.alien_number = case.alien_number
    return docket_pb2.Case(
        case_number=case.case_number,
        title=case.title,
        case_type=CASE_TYPES[case.case_type],
        status=CASE_STATUSES[case.status],
        opened_at=court_time_pb(case.opened_at, tz),
        parties=parties_pb(case.parties),
        counsel=[counsel_pb(c) for c in counsel],
        last_entry_number=case.last_entry_number,
        origin=origin,
        fee_status=FEE_STATUSES.get(case.fee_status, 0),  # type: ignore[arg-type]
        case_subtype=case.case_subtype,
        imported=case.imported,
    )


def entry_pb(
    entry: EntryRecord,
    *,
    viewer: Viewer | None,
    documents: list[docket_pb2.EntryDocument] | None = None,
    tz: ZoneInfo,
) -> docket_pb2.DocketEntry:
    """An entry; a sealed one shows no text (nor file names) to anyone but court staff."""
    hidden = entry.sealed and not (viewer is not None and viewer.is_court_staff)
    if documents is None:
        documents = [
            docket_pb2.EntryDocument(
                document_id=str(d["document_id"]),
                pages=int(d.get("pages", 0)),
                filename="" if hidden else str(d.get("filename", "")),
            )
            for d in entry.documents
        ]
    acms = None
    if entry.acms_document_count is not None and not hidden:
        acms = docket_pb2.AcmsDocuments(
            document_count=entry.acms_document_count, page_count=entry.acms_page_count or 0
        )
    return docket_pb2.DocketEntry(
        acms=acms,
        number=entry.entry_number,
        filed_at=court_time_pb(entry.filed_at, tz),
        entered_at=court_time_pb(entry.entered_at, tz),
        text="" if hidden else entry.text,
        sealed=entry.sealed,
        documents=documents,
        filer_name=entry.filer_name,
        filing_type=FILING_TYPES.get(entry.filing_type, common_pb2.FILING_TYPE_UNSPECIFIED),
    )
