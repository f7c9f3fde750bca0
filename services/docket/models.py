"""Cases, counsel and docket entries as the docket service keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from court.v1 import common_pb2, filing_pb2

from services.common import enums

CASE_TYPES = enums.CASE_TYPES

# Entries the court makes itself (the case-opening notice) have no filing: type "court",
# FILING_TYPE_UNSPECIFIED on the wire.
COURT_ENTRY = "court"
FILING_TYPES = {**enums.FILING_TYPES, COURT_ENTRY: common_pb2.FILING_TYPE_UNSPECIFIED}

PARTY_ROLES = {**enums.PARTY_ROLES, "unspecified": common_pb2.PARTY_ROLE_UNSPECIFIED}
PARTY_ROLE_NAMES = {number: name for name, number in PARTY_ROLES.items()}

DOCUMENT_ROLES = {
    "lead": filing_pb2.DOCUMENT_ROLE_LEAD,
    "attachment": filing_pb2.DOCUMENT_ROLE_ATTACHMENT,
    "unspecified": filing_pb2.DOCUMENT_ROLE_UNSPECIFIED,
}
DOCUMENT_ROLE_NAMES = {value: name for name, value in DOCUMENT_ROLES.items()}

CLERK_OF_COURT = "Clerk of Court"


@dataclass(frozen=True)
class CaseRecord:
    case_id: int
    case_number: str
    title: str
    case_type: str
    status: str
    opened_at: datetime
    parties: list[dict[str, str]]  # [{"name", "role"}]
    origin_agency: str
    alien_number: str
    last_entry_number: int
    fee_status: str = ""  # "" until recorded; services/docket/fees.py has the values
    case_subtype: str = ""
    imported: bool = False  # brought over from ACMS, not opened here


@dataclass(frozen=True)
class CounselRecord:
    case_id: int
    account_id: str
    name: str
    firm: str
    party_name: str
    notices: bool


@dataclass(frozen=True)
class EntryRecord:
    case_id: int
    entry_number: int
    filing_type: str
    filing_id: str | None
    filed_at: datetime
    entered_at: datetime
    text: str
    filer_name: str
    filer_account_id: str | None
    documents: list[dict[str, Any]]  # [{"document_id", "role", "filename", "sha256", …}]
    sealed_at: datetime | None
    # ACMS's counts for an entry imported from ACMS (None: docketed here, or imported before
    # the counts were kept).
    acms_document_count: int | None = None
    acms_page_count: int | None = None

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None

    @property
    def document_ids(self) -> list[str]:
        return [str(d["document_id"]) for d in self.documents]


@dataclass(frozen=True)
class NewEntry:
    """An entry about to be recorded; its number comes from the locked case."""

    filing_type: str
    filing_id: str | None
    filed_at: datetime
    text: str
    filer_name: str
    filer_account_id: str | None
    documents: list[dict[str, Any]]


@dataclass(frozen=True)
class Viewer:
    """Who is reading, as far as what they may see is concerned."""

    account_id: str
    is_court_staff: bool


def documents_from_filing(documents: Any) -> list[dict[str, Any]]:
    """FiledDocument messages → the JSON kept on the entry."""
    return [
        {
            "document_id": d.document_id,
            "role": DOCUMENT_ROLE_NAMES.get(d.role, "unspecified"),
            "filename": d.filename,
            "sha256": d.sha256,
            "pages": d.pages,
            "size_bytes": d.size_bytes,
        }
        for d in documents
    ]


def filed_documents(documents: list[dict[str, Any]]) -> list[filing_pb2.FiledDocument]:
    """The JSON kept on an entry → FiledDocument messages (for events)."""
    return [
        filing_pb2.FiledDocument(
            document_id=str(d["document_id"]),
            role=DOCUMENT_ROLES.get(str(d.get("role", "")), filing_pb2.DOCUMENT_ROLE_UNSPECIFIED),
            filename=str(d.get("filename", "")),
            sha256=str(d.get("sha256", "")),
            pages=int(d.get("pages", 0)),
            size_bytes=int(d.get("size_bytes", 0)),
        )
        for d in documents
    ]
