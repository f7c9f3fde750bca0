"""TOTP secrets from before sealing are sealed at auth's start (services/auth/server.py)."""

from __future__ import annotations

import psycopg
from support.api import PASSWORD, Api, enrol_mfa, register

from services.auth.totp_keys import keyring_from_settings, reseal_all
from services.stack.supervisor import LocalStack


def test_a_plain_secret_is_sealed_once_and_codes_keep_working(
    stack: LocalStack, edge_url: str, database_url: str
) -> None:
    owner, body = register(edge_url)
    enrol_mfa(owner)
    assert owner.totp_secret
    account_id = owner.account["account_id"]
    keyring = keyring_from_settings(stack.settings)  # the key the running auth uses
    with psycopg.connect(database_url) as conn:
        # As a row written before sealing existed: the secret in plain text.
        conn.execute(
            "UPDATE auth.accounts SET mfa_secret = %s WHERE account_id = %s",
            [owner.totp_secret, account_id],
        )
        conn.commit()
        with conn.transaction():
            conn.execute("SET LOCAL search_path TO auth")
            assert reseal_all(conn, keyring) >= 1
        with conn.transaction():
            conn.execute("SET LOCAL search_path TO auth")
            assert reseal_all(conn, keyring) == 0  # idempotent: nothing left to seal
        stored = conn.execute(
            "SELECT mfa_secret FROM auth.accounts WHERE account_id = %s", [account_id]
        ).fetchone()
    assert stored is not None
    assert stored[0].startswith(f"totp1:{keyring.current_id}:")
    assert owner.totp_secret not in stored[0]
    assert keyring.open(account_id, stored[0]) == owner.totp_secret
    # The running auth opens what was sealed: a login with a code from the phone works.
    later = Api(edge_url)
    assert later.login(body["username"], PASSWORD, owner.next_otp()).status_code == 201
