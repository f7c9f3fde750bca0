"""The naming rule for RPCs that write nothing (maintenance and replay protection read it)."""

from __future__ import annotations

import pytest

from services.common.rpc_kinds import writes_nothing


@pytest.mark.parametrize(
    ("method", "reads"),
    [
        ("/court.v1.DocketService/GetCase", True),
        ("/court.v1.DocketService/ListEntries", True),
        ("/court.v1.DocketService/SearchCases", True),
        ("/court.v1.AuthService/ValidateSession", True),
        ("/court.v1.FilingService/CheckFiling", True),
        ("/court.v1.AccessService/StoreDocument", False),
        ("/court.v1.AccessService/IssueFreeLook", False),
        ("/court.v1.FilingService/SubmitFiling", False),
        ("/court.v1.AuthService/Login", False),
    ],
)
def test_writes_nothing(method: str, reads: bool) -> None:
    assert writes_nothing(method) is reads
