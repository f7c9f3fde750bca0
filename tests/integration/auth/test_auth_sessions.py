"""Logging in with PACER credentials, sessions, lockout and the second factor, via the edge."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pyotp
from support.api import PASSWORD, Api, enrol_mfa, register, unique

from services.stack.supervisor import LocalStack


def test_log_in_see_my_account_log_out_and_the_token_is_dead(edge_url: str) -> None:
    api, body = register(edge_url)
    me = api.get("/api/v1/accounts/me")
    assert me.status_code == 200
    assert me.json()["username"] == body["username"]
    token = api.token
    assert api.delete("/api/v1/sessions/current").status_code == 204
    reused = Api(edge_url, token=token).get("/api/v1/accounts/me")
    assert reused.status_code == 401
    assert reused.json()["code"] == "unauthenticated"


def test_an_open_session_asks_before_continuing(edge_url: str) -> None:
    first, body = register(edge_url)
    second = Api(edge_url)
    asked = second.post(
        "/api/v1/sessions", json={"username": body["username"], "password": PASSWORD}
    )
    assert asked.status_code == 409
    assert asked.json()["code"] == "session_active"
    assert "already be logged in" in asked.json()["detail"]
    assert second.login(body["username"], PASSWORD).status_code == 201  # continue_existing
    assert first.get("/api/v1/accounts/me").status_code == 401  # the old session ended
    assert second.get("/api/v1/accounts/me").status_code == 200


def test_tokens_are_long_random_and_stored_only_as_hashes(edge_url: str, database_url: str) -> None:
    api, _ = register(edge_url)
    assert api.token and len(api.token) >= 43  # 256 bits, url-safe base64
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM auth.sessions WHERE token_sha256 = %s::bytea",
            [api.token.encode()],
        ).fetchone()
    assert stored == (0,)


def test_tampered_expired_and_garbage_tokens_are_refused(edge_url: str, database_url: str) -> None:
    api, _ = register(edge_url)
    assert api.token
    tampered = api.token[:-1] + ("A" if api.token[-1] != "A" else "B")
    for token in (tampered, "x", "' OR 1=1 --", "z" * 300, ""):
        response = Api(edge_url, token=token).get("/api/v1/accounts/me")
        assert response.status_code == 401, token
        assert response.json()["code"] == "unauthenticated"
    latin1 = Api(edge_url).get(
        "/api/v1/accounts/me", headers={"authorization": b"Bearer \xe9\xe9\x7f"}
    )
    assert latin1.status_code == 401
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE auth.sessions SET idle_expires_at = now() - interval '1 second'"
            " WHERE account_id = %s",
            [api.account["account_id"]],
        )
    assert api.get("/api/v1/accounts/me").status_code == 401


def test_unknown_user_and_wrong_password_look_the_same(edge_url: str) -> None:
    _, body = register(edge_url)

    def attempt(username: str) -> tuple[float, int, str]:
        started = time.perf_counter()
        response = Api(edge_url).post(
            "/api/v1/sessions", json={"username": username, "password": "wrong password 123"}
        )
        return time.perf_counter() - started, response.status_code, response.json()["detail"]

    # Taken in turns, so a burst of load on a shared machine slows both kinds alike; few
    # enough wrong attempts (4 < the lockout threshold of 5) not to lock the account.
    unknown, wrong = [], []
    for _ in range(4):
        unknown.append(attempt(unique("nobody")))
        wrong.append(attempt(body["username"]))
    assert {(status, detail) for _, status, detail in unknown + wrong} == {
        (401, "the username or password is not correct")
    }
    # Both spend an argon2 verification: similar time, not a cheap early exit. The fastest of
    # each is its own cost (load only adds to it); a skipped verification is ~10x cheaper.
    fast, slow = sorted([min(t for t, *_ in unknown), min(t for t, *_ in wrong)])
    assert fast > slow * 0.4, (unknown, wrong)


def _attempts(edge_url: str, username: str, password: str, n: int, source: str) -> list[Any]:
    """``n`` logins from the client address ``source`` (a loopback address of its own)."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=edge_url, transport=transport, timeout=30) as client:
        return [
            client.post(
                "/api/v1/sessions",
                json={"username": username, "password": password, "continue_existing": True},
            )
            for _ in range(n)
        ]


def test_guessing_slows_the_guesser_not_the_owner_and_unknown_names_behave_alike(
    edge_url: str,
) -> None:
    _, body = register(edge_url)
    unknown = unique("nobody")
    answers = {}
    for name, source in ((body["username"], "127.0.0.2"), (unknown, "127.0.0.3")):
        replies = _attempts(edge_url, name, "guess 123456789", 6, source)
        answers[name] = [(r.status_code, r.json()["code"]) for r in replies]
        # Throttled: even the right password waits, and says nothing about the account.
        right = _attempts(edge_url, name, PASSWORD, 1, source)[0]
        assert (right.status_code, right.json()["code"]) == (429, "rate_limited")
        assert int(right.headers["Retry-After"]) > 0
    # A real account and an unknown name answer alike, attempt for attempt.
    assert answers[body["username"]] == answers[unknown]
    assert answers[unknown] == [(401, "invalid_credentials")] * 5 + [(429, "rate_limited")]
    # The owner, from their usual client, still gets in with the right password.
    owner = _attempts(edge_url, body["username"], PASSWORD, 1, "127.0.0.4")[0]
    assert owner.status_code == 201, owner.text


def test_parallel_guesses_get_no_more_tries_than_sequential_ones(edge_url: str) -> None:
    _, body = register(edge_url)
    transport = httpx.HTTPTransport(local_address="127.0.0.5")
    with (
        httpx.Client(base_url=edge_url, transport=transport, timeout=60) as client,
        ThreadPoolExecutor(max_workers=30) as pool,
    ):
        guess = {"username": body["username"], "password": "guess 123456789"}
        replies = list(pool.map(lambda _: client.post("/api/v1/sessions", json=guess), range(30)))
    # Only the 5 free failures are tried, however many arrive at once; the rest wait.
    assert Counter(r.status_code for r in replies) == {401: 5, 429: 25}, [r.text for r in replies]
    waited = [r for r in replies if r.status_code == 429]
    assert {r.json()["code"] for r in waited} == {"rate_limited"}
    assert all(int(r.headers["Retry-After"]) > 0 for r in waited)


def test_totp_is_required_once_enrolled_and_a_code_never_works_twice(edge_url: str) -> None:
    api, body = register(edge_url)
    bad = api.post("/api/v1/accounts/me/mfa/confirm", json={"otp": "000000"})
    assert bad.status_code == 422  # no enrolment started yet
    enrolled = api.post("/api/v1/accounts/me/mfa", json={"current_password": PASSWORD})
    assert enrolled.status_code == 201
    secret = enrolled.json()["secret"]
    assert enrolled.json()["otpauth_uri"].startswith("otpauth://totp/")
    wrong = api.post("/api/v1/accounts/me/mfa/confirm", json={"otp": "123456"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_otp")
    ok = api.post("/api/v1/accounts/me/mfa/confirm", json={"otp": pyotp.TOTP(secret).now()})
    assert ok.status_code == 204
    assert api.get("/api/v1/accounts/me").json()["mfa_enrolled"] is True

    person = Api(edge_url)
    missing = person.login(body["username"], PASSWORD)
    assert (missing.status_code, missing.json()["code"]) == (401, "invalid_otp")
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert person.login(body["username"], PASSWORD, otp=code).status_code == 201
    replay = Api(edge_url).login(body["username"], PASSWORD, otp=code)
    assert (replay.status_code, replay.json()["code"]) == (401, "invalid_otp")


def test_enrol_helper_and_login_with_the_next_code(edge_url: str) -> None:
    api, body = register(edge_url)
    enrol_mfa(api)
    again = Api(edge_url, totp_secret=api.totp_secret)
    assert again.login(body["username"], PASSWORD, otp=again.next_otp()).status_code == 201


def test_a_login_upgrades_a_hash_made_with_older_parameters(
    edge_url: str, database_url: str, stack: LocalStack
) -> None:
    from argon2 import PasswordHasher, extract_parameters

    from services.auth import passwords

    api, body = register(edge_url)
    account_id = api.account["account_id"]
    # The hash an older release made, with cheaper argon2 parameters than today's.
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE auth.accounts SET password_hash = %s WHERE account_id = %s",
            [old_hash, account_id],
        )

    def stored() -> str:
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                "SELECT password_hash FROM auth.accounts WHERE account_id = %s", [account_id]
            ).fetchone()
        assert row is not None
        return str(row[0])

    # A wrong password proves nothing: the old hash stays.
    assert Api(edge_url).login(body["username"], PASSWORD + "x").status_code == 401
    assert stored() == old_hash

    assert Api(edge_url).login(body["username"], PASSWORD).status_code == 201
    upgraded = stored()
    assert upgraded != old_hash
    # Re-hashed in the stack's own profile.
    profile = passwords.PROFILES[stack.settings.argon2_profile]
    assert extract_parameters(upgraded) == profile
    assert passwords.verify_password(upgraded, PASSWORD)
    # The upgraded hash logs in, and is left alone from then on.
    assert Api(edge_url).login(body["username"], PASSWORD).status_code == 201
    assert stored() == upgraded
