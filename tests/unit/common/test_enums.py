"""Proto enums ↔ names, in one place; an unknown value is "unspecified" for every reader."""

from __future__ import annotations

import pytest
from court.v1 import common_pb2

from services.common import enums


def test_names_round_trip() -> None:
    assert enums.case_type_name(common_pb2.CASE_TYPE_SOCIAL_SECURITY) == "social_security"
    assert enums.CASE_TYPES["social_security"] == common_pb2.CASE_TYPE_SOCIAL_SECURITY
    assert enums.filing_type_name(common_pb2.FILING_TYPE_NOTICE_OF_APPEARANCE) == (
        "notice_of_appearance"
    )
    assert enums.party_role_name(common_pb2.PARTY_ROLE_PETITIONER) == "petitioner"
    assert enums.role_name(common_pb2.ROLE_CLERK) == "clerk"


@pytest.mark.parametrize(
    "name_of",
    [enums.case_type_name, enums.filing_type_name, enums.party_role_name, enums.role_name],
)
@pytest.mark.parametrize("value", [0, 99, 2**31 - 1, -1])
def test_zero_and_unknown_values_are_unspecified(name_of: object, value: int) -> None:
    assert callable(name_of)
    assert name_of(value) == enums.UNSPECIFIED
