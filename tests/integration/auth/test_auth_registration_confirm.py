"""A registration's address is confirmed through its mailed link before it gets anything else,
and what needs a confirmed address (applying to e-file) refuses until then."""

from __future__ import annotations

import psycopg
from support.api import (
    CONFIRMATION_SUBJECT,
    PASSWORD,
    Api,
    mailed_token,
    register,
    unique,
    wait_for,
)

from services.stack.smtp_sink import read_messages
from services.stack.supervisor import LocalStack


def _mails_to(stack: LocalStack, address: str) -> list[tuple[str, str]]:
    return [
        (str(m["Subject"]), str(m["Message-ID"]))
        for m in read_messages(stack.maildir)
        if address.lower() in str(m["To"]).lower()
    ]


def _confirmation_tokens(stack: LocalStack, address: str, count: int) -> list[str]:
    def enough() -> list[str] | None:
        mails = [
            m
            for m in read_messages(stack.maildir)
            if address.lower() in str(m["To"]).lower() and CONFIRMATION_SUBJECT in str(m["Subject"])
        ]
        return [mailed_token(m, "confirm-email") for m in mails] if len(mails) >= count else None

    return wait_for(enough, what=f"{count} confirmation mails to {address}")


def _notify_address(database_url: str, account_id: str) -> str | None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT email FROM notify.recipients WHERE account_id = %s", [account_id]
        ).fetchone()
    return row[0] if row else None


def test_a_registered_address_gets_only_its_link_until_it_is_used(
    stack: LocalStack, edge_url: str, database_url: str
) -> None:
    attorney, body = register(edge_url, "attorney", confirm=False)
    address, account_id = body["email"], attorney.account["account_id"]
    me = attorney.get("/api/v1/accounts/me").json()
    assert (me["email"], me["email_confirmed"]) == (address, False)
    (first,) = _confirmation_tokens(stack, address, 1)

    # What needs a confirmed address refuses, with a stable code.
    refused = attorney.post("/api/v1/accounts/me/efiler-application")
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "email_unconfirmed"

    # A forgotten password for the unconfirmed address sends the link again, never a reset
    # (nor the username); a security change is not told to it either.
    asked = Api(edge_url).post("/api/v1/credential-reissue", json={"email": address})
    assert asked.status_code == 202
    changed = attorney.request(
        "PUT",
        "/api/v1/accounts/me/password",
        json={"current_password": PASSWORD, "otp": "", "new_password": PASSWORD + " again"},
    )
    assert changed.status_code == 204, changed.text
    _, second = _confirmation_tokens(stack, address, 2)
    # notify knows the account but no address for it: no NDA can reach the address.
    wait_for(lambda: _notify_address(database_url, account_id) == "", what="notify's recipient")

    # The newer link ended the older one; it works once.
    used = Api(edge_url).post("/api/v1/email-confirmations", json={"token": first})
    assert used.status_code == 422 and used.json()["code"] == "validation_failed"
    assert (
        Api(edge_url).post("/api/v1/email-confirmations", json={"token": second}).status_code == 204
    )
    again = Api(edge_url).post("/api/v1/email-confirmations", json={"token": second})
    assert again.status_code == 422

    # Until now the address received confirmation links and nothing else.
    subjects = {subject for subject, _ in _mails_to(stack, address)}
    assert subjects == {"Confirm your e-mail address for court e-filing"}, subjects

    me = attorney.get("/api/v1/accounts/me").json()
    assert me["email_confirmed"] is True
    wait_for(lambda: _notify_address(database_url, account_id) == address, what="notify's address")
    assert attorney.post("/api/v1/accounts/me/efiler-application").status_code == 201
    # Now a forgotten password gets its reset mail.
    assert (
        Api(edge_url).post("/api/v1/credential-reissue", json={"email": address}).status_code == 202
    )
    wait_for(
        lambda: any("login" in subject for subject, _ in _mails_to(stack, address)),
        what="the reset mail",
    )


def test_an_expired_registration_link_is_refused(
    stack: LocalStack, edge_url: str, database_url: str
) -> None:
    person, body = register(edge_url, confirm=False)
    (token,) = _confirmation_tokens(stack, body["email"], 1)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE auth.mail_tokens SET expires_at = now() - interval '1 second'"
            " WHERE account_id = %s",
            [person.account["account_id"]],
        )
    expired = Api(edge_url).post("/api/v1/email-confirmations", json={"token": token})
    assert expired.status_code == 422
    assert person.get("/api/v1/accounts/me").json()["email_confirmed"] is False


def test_accounts_made_by_an_operator_are_confirmed(clerk: Api) -> None:
    # The demo clerk was made like `openecf account create`: the operator vouches for it.
    me = clerk.get("/api/v1/accounts/me").json()
    assert me["email_confirmed"] is True


def test_registering_with_one_address_again_and_again_cannot_flood_it(
    stack: LocalStack, edge_url: str, database_url: str
) -> None:
    address = f"{unique('flooded')}@example.org"
    made = [register(edge_url, confirm=False, email=address)[0] for _ in range(4)]
    with psycopg.connect(database_url, autocommit=True) as conn:
        slots = [
            conn.execute(
                "SELECT count(*) FROM auth.mail_tokens WHERE account_id = %s",
                [api.account["account_id"]],
            ).fetchone()[0]  # type: ignore[index]
            for api in made
        ]
    # The hourly per-address limit (3): the fourth account exists, but asks for no mail.
    assert slots == [1, 1, 1, 0]
    assert len(_confirmation_tokens(stack, address, 3)) == 3
