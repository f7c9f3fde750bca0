"""Accounts as the auth service sees them, and their wire forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from court.v1 import auth_pb2, common_pb2

ROLES = {
    "public": common_pb2.ROLE_PUBLIC,
    "attorney": common_pb2.ROLE_ATTORNEY,
    "pro_se": common_pb2.ROLE_PRO_SE,
    "clerk": common_pb2.ROLE_CLERK,
    "admin": common_pb2.ROLE_ADMIN,
}
ROLE_NAMES = {value: name for name, value in ROLES.items()}
SELF_REGISTERED_ROLES = ("public", "attorney", "pro_se")

NOTICE_FORMATS = {"html": common_pb2.NOTICE_FORMAT_HTML, "text": common_pb2.NOTICE_FORMAT_TEXT}
NOTICE_FORMAT_NAMES = {value: name for name, value in NOTICE_FORMATS.items()}
EFILER_STATUSES = {
    "not_applied": auth_pb2.EFILER_STATUS_NOT_APPLIED,
    "pending": auth_pb2.EFILER_STATUS_PENDING,
    "approved": auth_pb2.EFILER_STATUS_APPROVED,
}


@dataclass(frozen=True)
class SecondaryEmail:
    email: str
    case_numbers: tuple[str, ...] | None  # None: every case
    confirmed: bool = False

    def to_proto(self) -> auth_pb2.SecondaryEmail:
        return auth_pb2.SecondaryEmail(
            email=self.email,
            case_numbers=list(self.case_numbers or ()),
            all_cases=self.case_numbers is None,
            confirmed=self.confirmed,
        )


@dataclass(frozen=True)
class Account:
    account_id: str
    username: str
    name: str
    email: str
    role: str
    bar_number: str
    bar_state: str
    firm: str
    address: str
    efiler_status: str
    notice_format: str
    notices_enabled: bool
    created_at: datetime
    mfa_enrolled: bool = False
    email_confirmed: bool = False
    secondary_emails: tuple[SecondaryEmail, ...] = field(default=())

    def to_proto(self) -> auth_pb2.Account:
        message = auth_pb2.Account(
            account_id=self.account_id,
            username=self.username,
            name=self.name,
            email=self.email,
            role=ROLES[self.role],
            bar_number=self.bar_number,
            bar_state=self.bar_state,
            firm=self.firm,
            address=self.address,
            efiler_status=EFILER_STATUSES[self.efiler_status],
            notice_format=NOTICE_FORMATS[self.notice_format],
            notices_enabled=self.notices_enabled,
            mfa_enrolled=self.mfa_enrolled,
            email_confirmed=self.email_confirmed,
            secondary_emails=[s.to_proto() for s in self.secondary_emails],
        )
        message.created_at.FromDatetime(self.created_at)
        return message

    @property
    def mail_address(self) -> str:
        """Where auth's events may send this account's mail: its primary address once
        confirmed, else nowhere ("": notify sends nothing), so an unconfirmed address gets
        only its confirmation link."""
        return self.email if self.email_confirmed else ""


@dataclass(frozen=True)
class Credentials:
    """What a login is checked against; never leaves the auth service."""

    account_id: str
    password_hash: str
    failed_logins: int
    locked_until: datetime | None
    mfa_enrolled: bool
    mfa_secret: str | None
    mfa_last_step: int


@dataclass(frozen=True)
class NewAccount:
    """A validated registration, ready to store."""

    username: str
    password: str
    name: str
    email: str
    role: str
    bar_number: str = ""
    bar_state: str = ""
    firm: str = ""
    address: str = ""
