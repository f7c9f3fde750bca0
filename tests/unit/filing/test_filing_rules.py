"""filing's form check (services/filing/rules.py) applies the court's text rule to every field."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from services.common.errors import CourtError
from services.common.principal import Principal
from services.filing.models import FilingRequest, Party, Upload
from services.filing.rules import CaseFacts, check_filer, check_form, check_paper_filer

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


# -- the paper rule comes first ------------------------------------------------------------------


def _principal(role: str, *, approved: bool = False) -> Principal:
    return Principal(
        account_id=str(uuid.uuid4()),
        username="someone",
        name="Some One",
        role=role,
        efiler_approved=approved,
        mfa_enrolled=approved,
        session_id="s",
    )


IMMIGRATION_PETITION = replace(PETITION, case_type="immigration")
IMMIGRATION_CASE = CaseFacts(case_type="immigration", counsel_account_ids=frozenset())


@pytest.mark.parametrize(
    ("request_", "case"),
    [
        (IMMIGRATION_PETITION, None),
        # A form that is wrong in other ways still gets the paper answer, not a form error.
        (replace(IMMIGRATION_PETITION, title="", parties=()), None),
        (MOTION, IMMIGRATION_CASE),
    ],
)
def test_a_pro_se_party_in_an_immigration_case_is_sent_to_paper(
    request_: FilingRequest, case: CaseFacts | None
) -> None:
    # Not approved to e-file either: the paper rule still answers first (not `not_efiler`).
    with pytest.raises(CourtError) as raised:
        check_paper_filer(_principal("pro_se"), request_, case)
    assert raised.value.code == "paper_filing_required"
    assert "paper" in raised.value.message


@pytest.mark.parametrize(
    ("role", "request_", "case"),
    [
        ("pro_se", PETITION, None),
        ("pro_se", MOTION, CaseFacts(case_type="agency", counsel_account_ids=frozenset())),
        ("attorney", IMMIGRATION_PETITION, None),
        ("attorney", MOTION, IMMIGRATION_CASE),
        ("clerk", MOTION, IMMIGRATION_CASE),
    ],
)
def test_everyone_else_passes_the_paper_rule(
    role: str, request_: FilingRequest, case: CaseFacts | None
) -> None:
    check_paper_filer(_principal(role), request_, case)


def test_an_unapproved_pro_se_party_elsewhere_is_still_told_to_apply() -> None:
    with pytest.raises(CourtError) as raised:
        check_filer(_principal("pro_se"), PETITION, None)
    assert raised.value.code == "not_efiler"
