"""One real event across the system: edge → auth (outbox) → Kafka → notify (consumer)."""

from __future__ import annotations

import json
import uuid

import httpx
import psycopg
from support.api import wait_for

from services.stack.supervisor import LocalStack


def _registration(username: str) -> dict[str, str]:
    return {
        "username": username,
        "password": "a long and unusual passphrase 42",
        "name": "Ada Lovelace",
        "email": f"{username}@example.org",
        "role": "public",
    }


def test_a_registration_reaches_notify_through_the_outbox_and_kafka(
    edge_url: str, database_url: str, stack: LocalStack
) -> None:
    username = f"ada{uuid.uuid4().hex[:8]}"
    trace_id = uuid.uuid4().hex
    response = httpx.post(
        f"{edge_url}/api/v1/accounts",
        json=_registration(username),
        headers={"x-trace-id": trace_id},
    )
    assert response.status_code == 201, response.text
    assert response.headers["x-trace-id"] == trace_id
    account_id = response.json()["account_id"]

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = wait_for(
            lambda: conn.execute(
                "SELECT username, email, role FROM notify.recipients WHERE account_id = %s",
                [account_id],
            ).fetchone()
        )
        # No address yet: a registration's address receives nothing until it is confirmed.
        assert row == (username, "", "public")
        # The relay marks the row sent once Kafka has acknowledged it, and notify may read the
        # event before that mark is committed; the mark follows within the relay's next moment.
        wait_for(
            lambda: (
                conn.execute(
                    "SELECT sent_at IS NOT NULL FROM auth.outbox WHERE key = %s"
                    " AND event_type = 'auth.account_registered'",
                    [account_id],
                ).fetchone()
                == (True,)
            )
        )

    # The trace id followed the request from the edge into auth and through Kafka to notify.
    def logged(process: str) -> bool:
        lines = (stack.log_dir / f"{process}.log").read_text().splitlines()
        return any(
            json.loads(line).get("trace_id") == trace_id for line in lines if line.startswith("{")
        )

    wait_for(lambda: logged("auth") and logged("notify"))


def test_a_duplicate_username_is_a_conflict_in_any_case(edge_url: str) -> None:
    username = f"Grace{uuid.uuid4().hex[:8]}"
    first = httpx.post(f"{edge_url}/api/v1/accounts", json=_registration(username))
    assert first.status_code == 201
    again = httpx.post(f"{edge_url}/api/v1/accounts", json=_registration(username.upper()))
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["code"] == "duplicate"


def test_bad_registrations_are_clear_422s_not_500s(edge_url: str) -> None:
    cases = [
        {},
        {**_registration("weakpw"), "password": "short"},
        {**_registration("badmail"), "email": "not-an-address"},
        {**_registration("badrole"), "role": "clerk"},
        {**_registration("x"), "username": "x"},
        {**_registration("sqlish"), "username": "robert'); DROP TABLE accounts;--"},
        {**_registration("longname"), "name": "Ω" * 5000},
        {**_registration("typed"), "username": 12345},
    ]
    for body in cases:
        response = httpx.post(f"{edge_url}/api/v1/accounts", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "validation_failed"
    not_json = httpx.post(
        f"{edge_url}/api/v1/accounts",
        content=b"\xff\xfe not json",
        headers={"content-type": "application/json"},
    )
    assert not_json.status_code == 422
