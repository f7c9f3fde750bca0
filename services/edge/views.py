"""Wire messages → the JSON the REST API answers."""

from __future__ import annotations

from datetime import UTC

from court.v1 import auth_pb2, common_pb2, filing_pb2
from google.protobuf import timestamp_pb2

from services.common.clock import iso_utc
from services.common.enums import filing_type_name, name_of, role_name


def account_view(account: auth_pb2.Account) -> dict[str, object]:
    return {
        "account_id": account.account_id,
        "username": account.username,
        "name": account.name,
        "email": account.email,
        "role": role_name(account.role),
        "bar_number": account.bar_number or None,
        "bar_state": account.bar_state or None,
        "firm": account.firm or None,
        "address": account.address or None,
        "efiler_status": name_of(auth_pb2.EfilerStatus, "EFILER_STATUS_", account.efiler_status),
        "mfa_enrolled": account.mfa_enrolled,
        "email_confirmed": account.email_confirmed,
        "notice_format": name_of(common_pb2.NoticeFormat, "NOTICE_FORMAT_", account.notice_format),
        "notices_enabled": account.notices_enabled,
        "secondary_emails": [
            {
                "email": s.email,
                "cases": None if s.all_cases else list(s.case_numbers),
                "confirmed": s.confirmed,
            }
            for s in account.secondary_emails
        ],
        "created_at": timestamp_view(account.created_at),
    }


def timestamp_view(value: timestamp_pb2.Timestamp) -> str:
    return iso_utc(value.ToDatetime(tzinfo=UTC))


def court_time_view(value: common_pb2.CourtTime) -> dict[str, str]:
    return {"utc": timestamp_view(value.utc), "local": value.local, "local_date": value.local_date}


def filing_view(filing: filing_pb2.Filing) -> dict[str, object]:
    """The receipt / status of a filing."""
    received = court_time_view(filing.received_at)
    return {
        "filing_id": filing.filing_id,
        "status": name_of(filing_pb2.FilingStatus, "FILING_STATUS_", filing.status),
        "type": filing_type_name(filing.filing_type),
        "case_number": filing.case_number or None,
        "entry_number": filing.entry_number or None,
        "title": filing.title or None,
        "received_at": received["utc"],
        "received_at_local": received["local"],
        "filed_date": received["local_date"],
        "filer": {"account_id": filing.filer_account_id, "name": filing.filer_name},
        # On paper: the filer is the party named, the account is the clerk who entered it.
        "filed_on_paper": filing.filed_on_paper,
        "reject_reason": filing.reject_reason or None,
        "documents": [
            {
                "document_id": d.document_id,
                "filename": d.filename,
                "role": name_of(filing_pb2.DocumentRole, "DOCUMENT_ROLE_", d.role),
                "sha256": d.sha256,
                "pages": d.pages,
                "size_bytes": d.size_bytes,
            }
            for d in filing.documents
        ],
    }
