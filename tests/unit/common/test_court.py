"""The court's cross-service rules (services/common/court.py) and the services that apply them."""

from __future__ import annotations

import pytest

from services.access.policy import DocumentFacts, decide
from services.common import court
from services.common.errors import CourtError
from services.common.principal import Principal
from services.notify.notices import EntryFacts, Recipient, may_have_links


@pytest.mark.parametrize("value", ["26-1", "26-1234", "21-70123", " 26-7 "])
def test_well_formed_case_numbers_acms_and_legacy(value: str) -> None:
    assert court.is_case_number(value.strip())
    assert court.check_case_number(value) == value.strip()


@pytest.mark.parametrize("value", ["", "26", "2026-1", "26-", "ab-12", "26-1234567", "26-1;--"])
def test_garbage_is_a_validation_failure_before_any_lookup(value: str) -> None:
    assert not court.is_case_number(value.strip())
    with pytest.raises(CourtError) as raised:
        court.check_case_number(value)
    assert raised.value.code == "validation_failed"
    assert raised.value.details == {"field": "case_number"}


@pytest.mark.parametrize("role", ["clerk", "admin"])
def test_clerks_and_admins_are_court_staff(role: str) -> None:
    assert court.is_court_staff(role)


@pytest.mark.parametrize("role", ["public", "attorney", "pro_se", "", "CLERK", "unspecified"])
def test_no_one_else_is_court_staff(role: str) -> None:
    assert not court.is_court_staff(role)


@pytest.mark.parametrize("case_type", ["agency", "civil", "criminal"])
def test_open_case_types(case_type: str) -> None:
    assert not court.restricted(case_type)


@pytest.mark.parametrize(
    "case_type", ["immigration", "social_security", "unspecified", "", "bankruptcy"]
)
def test_restricted_case_types_fail_closed(case_type: str) -> None:
    assert court.restricted(case_type)


def _principal(role: str) -> Principal:
    return Principal(
        account_id="a1",
        username="u",
        name="U",
        role=role,
        efiler_approved=True,
        mfa_enrolled=True,
        session_id="s",
    )


def _document(case_type: str) -> DocumentFacts:
    return DocumentFacts(
        document_id="d1",
        filename="a.pdf",
        pages=3,
        size_bytes=10,
        sha256="0" * 64,
        stored_case_number="26-1",
        case_number="26-1",
        entry_number=1,
        sealed=False,
        case_type=case_type,
        caller_is_counsel=False,
    )


def _subscriber() -> Recipient:
    return Recipient(
        email="s@x.example",
        name="S",
        account_id="a1",
        reason="subscriber",
        notice_format="html",
        role="public",
    )


def _entry(case_type: str) -> EntryFacts:
    return EntryFacts(
        case_number="26-1",
        entry_number=1,
        case_type=case_type,
        sealed=False,
        has_documents=True,
    )


@pytest.mark.parametrize("case_type", ["unspecified", "bankruptcy", "immigration"])
def test_access_and_notify_both_treat_an_unknown_case_type_as_restricted(case_type: str) -> None:
    # Access refuses the document to a PACER user who is not counsel …
    assert decide(_principal("public"), _document(case_type)).reason == "restricted_case"
    # … and notify gives a mere subscriber no free-look link to it.
    assert not may_have_links(_entry(case_type), _subscriber())


def test_open_cases_agree_too() -> None:
    assert decide(_principal("public"), _document("civil")).allowed
    assert may_have_links(_entry("civil"), _subscriber())


def test_court_staff_may_always_file() -> None:
    court.check_efiler(role="clerk", efiler_approved=False, mfa_enrolled=False)


@pytest.mark.parametrize(
    ("role", "approved", "mfa", "code"),
    [
        ("public", True, True, "not_efiler"),
        ("attorney", False, True, "not_efiler"),
        ("pro_se", True, False, "mfa_required"),
    ],
)
def test_who_may_not_file(role: str, approved: bool, mfa: bool, code: str) -> None:
    with pytest.raises(CourtError) as raised:
        court.check_efiler(role=role, efiler_approved=approved, mfa_enrolled=mfa)
    assert raised.value.code == code


def test_an_approved_efiler_with_a_second_factor_may_file() -> None:
    court.check_efiler(role="attorney", efiler_approved=True, mfa_enrolled=True)


def test_pro_se_parties_file_on_paper_in_immigration_cases_only() -> None:
    with pytest.raises(CourtError) as raised:
        court.check_pro_se_case_type(role="pro_se", case_type="immigration")
    assert raised.value.code == "paper_filing_required"
    court.check_pro_se_case_type(role="pro_se", case_type="agency")
    court.check_pro_se_case_type(role="attorney", case_type="immigration")
