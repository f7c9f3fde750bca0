"""Filings as the filing service sees them, and their wire forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from court.v1 import common_pb2, filing_pb2

from services.common import enums
from services.common.wire import fill_court_time

FILING_TYPES = enums.FILING_TYPES
FILING_TYPE_NAMES = enums.FILING_TYPE_NAMES
CASE_TYPES = enums.CASE_TYPES
CASE_TYPE_NAMES = enums.CASE_TYPE_NAMES
STATUSES = {
    "received": filing_pb2.FILING_STATUS_RECEIVED,
    "pending_review": filing_pb2.FILING_STATUS_PENDING_REVIEW,
    "docketed": filing_pb2.FILING_STATUS_DOCKETED,
    "rejected": filing_pb2.FILING_STATUS_REJECTED,
}
ROLES = {"lead": filing_pb2.DOCUMENT_ROLE_LEAD, "attachment": filing_pb2.DOCUMENT_ROLE_ATTACHMENT}
PARTY_ROLE_NAMES = enums.PARTY_ROLE_NAMES


@dataclass(frozen=True)
class Party:
    name: str
    role: str


@dataclass(frozen=True)
class Upload:
    role: str  # lead | attachment
    filename: str
    content: bytes


@dataclass(frozen=True)
class PaperReceipt:
    """A filing that came on paper: who filed it, and the court-local day it arrived."""

    filer_party: str
    received_on: date

    def received_at(self, tz: ZoneInfo) -> datetime:
        """The filed date is the day received: the start of that court-local day."""
        return datetime.combine(self.received_on, time(0, 0), tzinfo=tz)


@dataclass(frozen=True)
class FilingRequest:
    filing_type: str
    case_number: str
    title: str
    case_type: str
    parties: tuple[Party, ...]
    description: str
    uploads: tuple[Upload, ...]
    origin_agency: str = ""
    alien_number: str = ""
    # A notice of appearance's "Notice" box; None when the filer did not say (yes).
    receive_notices: bool | None = None
    # Set when the clerk dockets a paper filing on a party's behalf.
    paper: PaperReceipt | None = None


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    role: str
    filename: str
    sha256: str
    pages: int
    size_bytes: int
    # Visible characters of text on each page, in page order (recorded, not sent on the wire).
    page_text_chars: tuple[int, ...] = ()

    def to_proto(self) -> filing_pb2.FiledDocument:
        return filing_pb2.FiledDocument(
            document_id=self.document_id,
            role=ROLES[self.role],
            filename=self.filename,
            sha256=self.sha256,
            pages=self.pages,
            size_bytes=self.size_bytes,
        )


@dataclass(frozen=True)
class Filing:
    filing_id: str
    filer_account_id: str
    filer_name: str
    filing_type: str
    case_number: str
    title: str
    case_type: str
    parties: tuple[Party, ...]
    description: str
    status: str
    requires_review: bool
    received_at: datetime
    reject_reason: str = ""
    entry_number: int | None = None
    documents: tuple[StoredDocument, ...] = field(default=())
    origin_agency: str = ""
    alien_number: str = ""
    receive_notices: bool | None = None
    # Received on paper: filer_account_id is the clerk who entered it, filer_name the party.
    filed_on_paper: bool = False

    def to_proto(self, tz: ZoneInfo) -> filing_pb2.Filing:
        message = filing_pb2.Filing(
            filing_id=self.filing_id,
            status=STATUSES[self.status],
            filing_type=FILING_TYPES[self.filing_type],
            case_number=self.case_number,
            entry_number=self.entry_number or 0,
            documents=[d.to_proto() for d in self.documents],
            reject_reason=self.reject_reason,
            title=self.title,
            case_type=CASE_TYPES.get(self.case_type, common_pb2.CASE_TYPE_UNSPECIFIED),
            parties=[party_proto(p) for p in self.parties],
            description=self.description,
            filer_account_id=self.filer_account_id,
            filer_name=self.filer_name,
            filed_on_paper=self.filed_on_paper,
        )
        fill_court_time(message.received_at, self.received_at, tz)
        return message


def party_proto(party: Party) -> common_pb2.Party:
    role = common_pb2.PartyRole.Value("PARTY_ROLE_" + party.role.upper())
    return common_pb2.Party(name=party.name, role=role)
