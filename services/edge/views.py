"""Wire messages → the JSON the REST API answers."""

from __future__ import annotations

from datetime import UTC

from court.v1 import auth_pb2, common_pb2, filing_pb2
from google.protobuf import timestamp_pb2


def _enum_name(value: str, prefix: str) -> str:
    return value.removeprefix(prefix).lower()


def account_view(account: auth_pb2.Account) -> dict[str, object]:
    return {
        "account_id": account.account_id,
        "username": account.username,
        "name": account.name,
        "email": account.email,
        "role": _enum_name(common_pb2.Role.Name(account.role), "ROLE_"),
        "bar_number": account.bar_number or None,
        "bar_state": account.bar_state or None,
        "firm": account.firm or None,
        "address": account.address or None,
        "efiler_status": _enum_name(
            auth_pb2.EfilerStatus.Name(account.efiler_status), "EFILER_STATUS_"
        ),
        "mfa_enrolled": account.mfa_enrolled,
        "notice_format": _enum_name(
            common_pb2.NoticeFormat.Name(account.notice_format), "NOTICE_FORMAT_"
        ),
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
    return value.ToDatetime(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def court_time_view(value: common_pb2.CourtTime) -> dict[str, str]:
    return {"utc": timestamp_view(value.utc), "local": value.local, "local_date": value.local_date}


def filing_view(filing: filing_pb2.Filing) -> dict[str, object]:
    """The receipt / status of a filing."""
    received = court_time_view(filing.received_at)
    return {
        "filing_id": filing.filing_id,
        "status": _enum_name(filing_pb2.FilingStatus.Name(filing.status), "FILING_STATUS_"),
        "type": _enum_name(common_pb2.FilingType.Name(filing.filing_type), "FILING_TYPE_"),
        "case_number": filing.case_number or None,
        "entry_number": filing.entry_number or None,
        "title": filing.title or None,
        "received_at": received["utc"],
        "received_at_local": received["local"],
        "filed_date": received["local_date"],
        "filer": {"account_id": filing.filer_account_id, "name": filing.filer_name},
        "reject_reason": filing.reject_reason or None,
        "documents": [
            {
                "document_id": d.document_id,
                "filename": d.filename,
                "role": _enum_name(filing_pb2.DocumentRole.Name(d.role), "DOCUMENT_ROLE_"),
                "sha256": d.sha256,
                "pages": d.pages,
                "size_bytes": d.size_bytes,
            }
            for d in filing.documents
        ],
    }
