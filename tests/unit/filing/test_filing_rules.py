"""filing's form check (services/filing/rules.py) applies the court's text rule to every field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.common.errors import CourtError
from services.filing.models import FilingRequest, Party, Upload
from services.filing.rules import check_form

MOTION = FilingRequest(
    filing_type="motion",
    case_number="26-1",
    title="",
    case_type="",
    parties=(),
    description="to extend time\n\tby 30 days",
    uploads=(Upload(role="lead", filename="motion.pdf", content=b""),),
)
PETITION = replace(
    MOTION,
    filing_type="petition_for_review",
    case_number="",
    title="Doe v. Agency",
    case_type="agency",
    parties=(Party("A. Petitioner", "petitioner"),),
)


def _code(request: FilingRequest) -> tuple[str, str]:
    with pytest.raises(CourtError) as raised:
        check_form(request, max_attachments=5)
    return raised.value.code, raised.value.details.get("field", "")


def test_well_formed_filings_pass() -> None:
    check_form(MOTION, max_attachments=5)
    check_form(PETITION, max_attachments=5)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (replace(MOTION, title="Motion\x00to extend"), "title"),  # a motion's title too
        (replace(MOTION, description="to extend\x1b[2J"), "description"),
        (replace(PETITION, parties=(Party("A.\u202e Petitioner", "petitioner"),)), "parties"),
        (replace(PETITION, origin_agency="BIA\u2066"), "origin_agency"),
        (
            replace(MOTION, uploads=(Upload(role="lead", filename="a\u202efdp.exe", content=b""),)),
            "filename",
        ),
    ],
)
def test_control_and_bidi_characters_are_invalid_text(request_: FilingRequest, field: str) -> None:
    assert _code(request_) == ("invalid_text", field)


def test_a_petition_still_needs_its_title() -> None:
    assert _code(replace(PETITION, title="  ")) == ("validation_failed", "title")
