"""Proto enum values ↔ the lower-case names the REST API, the tables and the logs use.

``CASE_TYPE_SOCIAL_SECURITY`` is ``"social_security"`` everywhere outside the wire; every
service maps through here, so a new enum value needs no edit in five places.
"""

from __future__ import annotations

from typing import Any

from court.v1 import common_pb2


def names(enum: Any, prefix: str) -> dict[str, Any]:
    """``{"social_security": 2, …}`` for every value but the ``*_UNSPECIFIED`` zero."""
    return {
        value.name.removeprefix(prefix).lower(): value.number
        for value in enum.DESCRIPTOR.values
        if value.number != 0
    }


UNSPECIFIED = "unspecified"


def name_of(enum: Any, prefix: str, value: int) -> str:
    """The lower-case name of ``value``: ``"unspecified"`` for the zero value and for a number
    this build does not know (a newer sender's enum). Every reader of the wire treats an unknown
    value this way, so it is never a reason to refuse or dead-letter a message; the rules that
    depend on it (court.restricted) fail closed on "unspecified"."""
    try:
        return str(enum.Name(value)).removeprefix(prefix).lower()
    except ValueError:
        return UNSPECIFIED


CASE_TYPES: dict[str, common_pb2.CaseType.ValueType] = names(common_pb2.CaseType, "CASE_TYPE_")
CASE_TYPE_NAMES = {value: name for name, value in CASE_TYPES.items()}
FILING_TYPES: dict[str, common_pb2.FilingType.ValueType] = names(
    common_pb2.FilingType, "FILING_TYPE_"
)
FILING_TYPE_NAMES = {value: name for name, value in FILING_TYPES.items()}
PARTY_ROLES: dict[str, common_pb2.PartyRole.ValueType] = names(common_pb2.PartyRole, "PARTY_ROLE_")
PARTY_ROLE_NAMES = {value: name for name, value in PARTY_ROLES.items()}


def role_name(role: int) -> str:
    return name_of(common_pb2.Role, "ROLE_", role)


def case_type_name(value: int) -> str:
    return name_of(common_pb2.CaseType, "CASE_TYPE_", value)


def filing_type_name(value: int) -> str:
    return name_of(common_pb2.FilingType, "FILING_TYPE_", value)


def party_role_name(value: int) -> str:
    return name_of(common_pb2.PartyRole, "PARTY_ROLE_", value)


def fee_status_names() -> dict[str, int]:
    """``{"paid": 1, "ifp_pending": 2, …}`` from docket's FeeStatus enum."""
    from court.v1 import docket_pb2

    return names(docket_pb2.FeeStatus, "FEE_STATUS_")
