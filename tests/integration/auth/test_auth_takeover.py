"""One stolen session token must not take an account; addresses are confirmed before use.

Each test replays an attack from issue 16 through the real edge and stack.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

import httpx
import psycopg
from support.api import (
    PASSWORD,
    Api,
    confirm_address,
    enrol_mfa,
    mail_to,
    mailed_token,
    register,
    unique,
    wait_for,
)

from services.stack.smtp_sink import read_messages
from services.stack.supervisor import LocalStack

NEW_PASSWORD = "another quite unusual passphrase 77"


def _thief(edge_url: str, victim: Api) -> Api:
    """Someone holding only the victim's bearer token."""
    return Api(edge_url, token=victim.token)


def test_a_token_alone_cannot_replace_or_remove_the_second_factor(edge_url: str) -> None:
    owner, _ = register(edge_url)
    enrol_mfa(owner)
    thief = _thief(edge_url, owner)
    for body in ({}, {"current_password": "guess guess guess"}, {"current_password": PASSWORD}):
        again = thief.post("/api/v1/accounts/me/mfa", json=body)
        assert (again.status_code, again.json()["code"]) == (403, "reauthentication_required")
    # Even the right password is not enough without a code from the enrolled factor.
    removed = thief.request(
        "DELETE", "/api/v1/accounts/me/mfa", json={"current_password": PASSWORD}
    )
    assert (removed.status_code, removed.json()["code"]) == (403, "reauthentication_required")
    assert thief.get("/api/v1/accounts/me").json()["mfa_enrolled"] is True


def test_a_token_alone_cannot_move_the_address_or_the_password(
    edge_url: str, stack: LocalStack
) -> None:
    owner, body = register(edge_url)
    thief = _thief(edge_url, owner)
    attacker_address = f"{unique('thief')}@evil.example"
    moved = thief.patch("/api/v1/accounts/me", json={"email": attacker_address})
    assert (moved.status_code, moved.json()["code"]) == (403, "reauthentication_required")
    wrong = thief.patch(
        "/api/v1/accounts/me", json={"email": attacker_address, "current_password": "nope"}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "reauthentication_required")
    changed = thief.request(
        "PUT", "/api/v1/accounts/me/password", json={"new_password": NEW_PASSWORD}
    )
    assert (changed.status_code, changed.json()["code"]) == (403, "reauthentication_required")
    assert owner.get("/api/v1/accounts/me").json()["email"] == body["email"]
    # Nothing went to the attacker's address.
    assert not [m for m in read_messages(stack.maildir) if attacker_address in str(m["To"])]


def test_a_new_address_needs_its_link_and_the_old_one_is_told(
    edge_url: str, stack: LocalStack
) -> None:
    owner, body = register(edge_url)
    new_address = f"{unique('moved')}@example.org"
    moved = owner.patch(
        "/api/v1/accounts/me", json={"email": new_address, "current_password": PASSWORD}
    )
    assert moved.status_code == 200, moved.text
    # Until the link is used, the account keeps its address; the session that asked goes on.
    assert moved.json()["email"] == body["email"]
    warning = mail_to(stack.maildir, body["email"], "security change")
    assert "e-mail address" in warning.get_content()
    confirm_address(edge_url, stack.maildir, new_address)
    assert owner.get("/api/v1/accounts/me").json()["email"] == new_address
    # The link works once.
    token = mailed_token(mail_to(stack.maildir, new_address, "Confirm"), "confirm-email")
    again = Api(edge_url).post("/api/v1/email-confirmations", json={"token": token})
    assert (again.status_code, again.json()["code"]) == (422, "validation_failed")


def test_changing_the_password_keeps_this_session_and_tells_the_owner(
    edge_url: str, stack: LocalStack
) -> None:
    owner, body = register(edge_url)
    changed = owner.request(
        "PUT",
        "/api/v1/accounts/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204, changed.text
    assert owner.get("/api/v1/accounts/me").status_code == 200
    warning = mail_to(stack.maildir, body["email"], "security change")
    assert "password" in warning.get_content()
    assert Api(edge_url).login(body["username"], NEW_PASSWORD).status_code == 201
    assert owner.get("/api/v1/accounts/me").status_code == 401  # that login replaced it


def test_a_public_user_adding_an_attorneys_address_sees_nothing_of_theirs(
    edge_url: str, stack: LocalStack
) -> None:
    _, attorney_body = register(edge_url, "attorney")
    snoop, _ = register(edge_url, "public")
    added = snoop.patch(
        "/api/v1/accounts/me",
        json={
            "secondary_emails": [{"email": attorney_body["email"]}],
            "current_password": PASSWORD,
        },
    )
    assert added.status_code == 200, added.text
    assert added.json()["secondary_emails"][0]["confirmed"] is False
    # The attorney's address is asked, once; it gets nothing else from the snoop's account.
    mail_to(stack.maildir, attorney_body["email"], "Confirm your e-mail address")
    listed = snoop.get("/api/v1/notices", params={"page_size": 100})
    assert listed.status_code == 200
    assert listed.json()["notices"] == []


def test_guessing_the_password_through_step_up_is_throttled(edge_url: str) -> None:
    owner, _ = register(edge_url)
    thief = _thief(edge_url, owner)
    for attempt in range(5):
        guess = {"current_password": f"guess number {attempt} here"}
        refused = thief.post("/api/v1/accounts/me/mfa", json=guess)
        assert refused.status_code == 403, refused.text
    # Now even the right password waits: the guesser cannot try fast.
    right = thief.post("/api/v1/accounts/me/mfa", json={"current_password": PASSWORD})
    assert (right.status_code, right.json()["code"]) == (429, "rate_limited")
    assert int(right.headers["Retry-After"]) > 0


def test_parallel_step_up_guesses_get_no_more_tries_than_sequential_ones(edge_url: str) -> None:
    thief = _thief(edge_url, register(edge_url)[0])

    def guess(attempt: int) -> httpx.Response:
        return thief.request(
            "PUT",
            "/api/v1/accounts/me/password",
            json={"current_password": f"guess number {attempt} here", "new_password": NEW_PASSWORD},
        )

    with ThreadPoolExecutor(max_workers=30) as pool:
        replies = list(pool.map(guess, range(30)))
    # Only the 5 free failures are tried, however many arrive at once; the rest wait.
    assert Counter(r.status_code for r in replies) == {403: 5, 429: 25}, [r.text for r in replies]
    waited = [r for r in replies if r.status_code == 429]
    assert {r.json()["code"] for r in waited} == {"rate_limited"}
    assert all(int(r.headers["Retry-After"]) > 0 for r in waited)


def test_a_reset_ends_every_older_token_and_reissue_is_rate_limited(
    edge_url: str, stack: LocalStack
) -> None:
    _, body = register(edge_url)
    anyone = Api(edge_url)

    def reissue_mails() -> list[EmailMessage]:
        return [
            m
            for m in read_messages(stack.maildir)
            if body["email"] in str(m["To"]) and "login" in str(m["Subject"])
        ]

    seen: list[str] = []
    for count in (1, 2):
        assert anyone.post("/api/v1/credential-reissue", json=body_of(body)).status_code == 202
        wait_for(lambda n=count: len(reissue_mails()) == n, what=f"reissue mail {count}")
        seen += [
            token
            for token in (mailed_token(m, "reset-password") for m in reissue_mails())
            if token not in seen
        ]
    older, newer = seen
    reset = {"new_password": NEW_PASSWORD}
    assert anyone.post("/api/v1/password-resets", json={"token": newer, **reset}).status_code == 204
    stale = anyone.post("/api/v1/password-resets", json={"token": older, **reset})
    assert (stale.status_code, stale.json()["code"]) == (422, "validation_failed")
    # The third request for the address in the hour is the last one answered 202.
    third = anyone.post("/api/v1/credential-reissue", json=body_of(body))
    assert third.status_code == 202
    fourth = anyone.post("/api/v1/credential-reissue", json=body_of(body))
    assert (fourth.status_code, fourth.json()["code"]) == (429, "rate_limited")


def body_of(registration: dict[str, str]) -> dict[str, str]:
    return {"email": registration["email"]}


def test_a_security_change_ends_the_other_sessions(edge_url: str, database_url: str) -> None:
    """A second session (a thief's, say) is planted beside the owner's, as the API allows
    only one at a time; the owner's password change ends it and keeps the owner's."""
    owner, _ = register(edge_url)
    planted = secrets.token_urlsafe(32)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO auth.sessions (session_id, account_id, token_sha256, created_at,"
            " last_seen_at, idle_expires_at, absolute_expires_at) VALUES (gen_random_uuid(),"
            " %s, %s, now(), now(), now() + interval '1 hour', now() + interval '1 hour')",
            [owner.account["account_id"], hashlib.sha256(planted.encode()).digest()],
        )
    other = Api(edge_url, token=planted)
    assert other.get("/api/v1/accounts/me").status_code == 200
    changed = owner.request(
        "PUT",
        "/api/v1/accounts/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204, changed.text
    assert other.get("/api/v1/accounts/me").status_code == 401
    assert owner.get("/api/v1/accounts/me").status_code == 200


def test_a_token_alone_cannot_add_an_address_that_would_get_the_notices(edge_url: str) -> None:
    """A secondary address receives every NDA and its free-look links: adding one asks for the
    password (and code) as moving the primary does; reordering known ones does not."""
    owner, _ = register(edge_url)
    thief = _thief(edge_url, owner)
    evil = {"secondary_emails": [{"email": f"{unique('thief')}@evil.example", "cases": None}]}
    added = thief.patch("/api/v1/accounts/me", json=evil)
    assert (added.status_code, added.json()["code"]) == (403, "reauthentication_required")
    assert thief.get("/api/v1/accounts/me").json()["secondary_emails"] == []
    with_password = owner.patch("/api/v1/accounts/me", json={**evil, "current_password": PASSWORD})
    assert with_password.status_code == 200, with_password.text
    removed = thief.patch("/api/v1/accounts/me", json={"secondary_emails": []})
    assert removed.status_code == 200, removed.text  # taking one away takes nothing


def test_links_mailed_before_a_security_change_are_dead_after_it(
    edge_url: str, stack: LocalStack
) -> None:
    """A pending link for a new primary address (asked by someone who once knew the password)
    dies with a password change and with a newer request; a reset link mailed to the old
    address dies once the new one is confirmed."""
    owner, body = register(edge_url)
    evil = f"{unique('thief')}@evil.example"
    asked = owner.patch("/api/v1/accounts/me", json={"email": evil, "current_password": PASSWORD})
    assert asked.status_code == 200, asked.text
    evil_link = mailed_token(mail_to(stack.maildir, evil, "Confirm your e-mail"), "confirm-email")
    changed = owner.request(
        "PUT",
        "/api/v1/accounts/me/password",
        json={"current_password": PASSWORD, "otp": "", "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204, changed.text
    used = Api(edge_url).post("/api/v1/email-confirmations", json={"token": evil_link})
    assert (used.status_code, used.json()["code"]) == (422, "validation_failed"), used.text

    # A newer request for the primary address ends the older one's link, whatever its address.
    first, second = f"{unique('first')}@example.org", f"{unique('second')}@example.org"
    links = {}
    for address in (first, second):
        moved = owner.patch(
            "/api/v1/accounts/me", json={"email": address, "current_password": NEW_PASSWORD}
        )
        assert moved.status_code == 200, moved.text
        mail = mail_to(stack.maildir, address, "Confirm your e-mail")
        links[address] = mailed_token(mail, "confirm-email")
    first_link = links[first]
    used = Api(edge_url).post("/api/v1/email-confirmations", json={"token": first_link})
    assert (used.status_code, used.json()["code"]) == (422, "validation_failed"), used.text

    # A reset mailed to the old address, then the new address confirmed: the reset is dead.
    reissued = Api(edge_url).post("/api/v1/credential-reissue", json={"email": body["email"]})
    assert reissued.status_code == 202
    reset = mailed_token(mail_to(stack.maildir, body["email"], "login"), "reset-password")
    confirmed = Api(edge_url).post("/api/v1/email-confirmations", json={"token": links[second]})
    assert confirmed.status_code == 204, confirmed.text
    refused = Api(edge_url).post(
        "/api/v1/password-resets", json={"token": reset, "new_password": "the old mailbox wins 1"}
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "validation_failed")
    assert Api(edge_url).login(body["username"], NEW_PASSWORD).status_code in (201, 409)
