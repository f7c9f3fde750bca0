"""The Notice box of a notice of appearance: what the filer said, else what they chose before."""

from __future__ import annotations

import pytest
from court.v1 import events_pb2

from services.docket.appearances import wants_notices
from services.docket.models import CounselRecord


def _counsel(notices: bool) -> CounselRecord:
    return CounselRecord(
        case_id=1, account_id="a", name="Lee", firm="", party_name="Agency", notices=notices
    )


@pytest.mark.parametrize(
    ("said", "before", "expected"),
    [
        (None, None, True),  # a first appearance that does not say: notices, as always
        (False, None, False),
        (True, _counsel(False), True),  # a second appearance turns them back on
        (False, _counsel(True), False),
        (None, _counsel(False), False),  # not said again: the earlier choice stands
    ],
)
def test_the_notice_box(said: bool | None, before: CounselRecord | None, expected: bool) -> None:
    filing = events_pb2.FilingSubmitted()
    if said is not None:
        filing.receive_notices = said
    assert wants_notices(filing, before) is expected
