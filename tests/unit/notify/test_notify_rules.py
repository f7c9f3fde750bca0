"""Who may have free-look links, and how one address is one notice."""

from __future__ import annotations

import pytest

from services.notify.notices import EntryFacts, Recipient, may_have_links, unique_by_address


def recipient(reason: str, role: str = "attorney") -> Recipient:
    return Recipient(
        email="a@x.example",
        name="A",
        account_id=None,
        reason=reason,
        notice_format="html",
        role=role,
    )


def facts(case_type: str = "agency", *, sealed: bool = False, documents: bool = True) -> EntryFacts:
    return EntryFacts(
        case_number="26-1",
        entry_number=1,
        case_type=case_type,
        sealed=sealed,
        has_documents=documents,
    )


@pytest.mark.parametrize("reason", ["counsel", "secondary", "subscriber"])
def test_everyone_gets_links_in_an_ordinary_case(reason: str) -> None:
    assert may_have_links(facts(), recipient(reason))


@pytest.mark.parametrize("case_type", ["immigration", "social_security"])
def test_restricted_cases_give_links_to_counsel_and_court_staff_only(case_type: str) -> None:
    assert may_have_links(facts(case_type), recipient("counsel"))
    assert may_have_links(facts(case_type), recipient("secondary"))
    assert not may_have_links(facts(case_type), recipient("subscriber", "public"))
    assert may_have_links(facts(case_type), recipient("subscriber", "clerk"))


def test_sealed_entries_and_text_only_entries_have_no_links() -> None:
    assert not may_have_links(facts(sealed=True), recipient("counsel"))
    assert not may_have_links(facts(documents=False), recipient("counsel"))


def test_one_notice_per_address_and_counsel_wins_over_secondary_and_subscriber() -> None:
    def at(email: str, reason: str, name: str) -> Recipient:
        return Recipient(email, name, None, reason, "html", "attorney")

    found = [
        at("Shared@x.example", "subscriber", "Sub"),
        at("shared@x.example", "secondary", "Second"),
        at("SHARED@x.example", "counsel", "Zed"),
        at("b@x.example", "counsel", "Amy"),
        at("c@x.example", "subscriber", "Cy"),
    ]
    unique = unique_by_address(found)
    assert [(r.email, r.reason) for r in unique] == [
        ("b@x.example", "counsel"),
        ("SHARED@x.example", "counsel"),
        ("c@x.example", "subscriber"),
    ]
