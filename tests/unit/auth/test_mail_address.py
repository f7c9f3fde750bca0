"""Where auth's events may send an account's mail (live: test_auth_registration_confirm)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.auth.models import Account


def _account(*, confirmed: bool) -> Account:
    return Account(
        account_id="a1",
        username="ada",
        name="Ada",
        email="ada@example.org",
        role="attorney",
        bar_number="1",
        bar_state="CA",
        firm="",
        address="",
        efiler_status="not_applied",
        notice_format="html",
        notices_enabled=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        email_confirmed=confirmed,
    )


def test_an_unconfirmed_address_is_named_nowhere_but_shown_to_its_owner() -> None:
    unconfirmed = _account(confirmed=False)
    assert unconfirmed.mail_address == ""
    message = unconfirmed.to_proto()
    assert (message.email, message.email_confirmed) == ("ada@example.org", False)


def test_a_confirmed_address_receives_mail() -> None:
    confirmed = _account(confirmed=True)
    assert confirmed.mail_address == "ada@example.org"
    assert confirmed.to_proto().email_confirmed is True
