"""Wire messages → the JSON the REST API answers."""

from __future__ import annotations

from court.v1 import auth_pb2, common_pb2


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
        "created_at": account.created_at.ToDatetime().isoformat() + "Z",
    }
