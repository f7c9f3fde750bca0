"""Forgotten login or password: a reissue e-mail with a single-use token, then a reset."""

from __future__ import annotations

import logging

from court.v1 import events_pb2
from psycopg_pool import ConnectionPool

from services.auth import passwords, store, validation
from services.auth.policy import AuthPolicy
from services.auth.tokens import new_token, token_hash
from services.common.errors import CourtError
from services.common.outbox import publish

log = logging.getLogger(__name__)


class Recovery:
    def __init__(self, pool: ConnectionPool, policy: AuthPolicy) -> None:
        self._pool = pool
        self._policy = policy

    def request_reissue(self, email: str) -> None:
        """Always succeeds from the caller's view: whether the address exists is not told."""
        try:
            address = validation.email(email)
        except CourtError:
            return
        now = self._policy.clock.now()
        expires = now + self._policy.reset_token_ttl
        with self._pool.connection() as conn, conn.transaction():
            for account in store.accounts_by_email(conn, address):
                token = new_token()
                conn.execute(
                    "INSERT INTO reset_tokens (token_sha256, account_id, created_at, expires_at)"
                    " VALUES (%s, %s, %s, %s)",
                    [token_hash(token), account.account_id, now, expires],
                )
                payload = events_pb2.CredentialReissueRequested(
                    account_id=account.account_id,
                    email=account.email,
                    reset_token=token,
                    username=account.username,
                )
                payload.expires_at.FromDatetime(expires)
                publish(
                    conn,
                    event_type="auth.credential_reissue_requested",
                    source="auth",
                    subject=account.account_id,
                    payload=payload,
                )
                log.info("credential reissue requested", extra={"account_id": account.account_id})

    def reset_password(self, token: str, new_password: str) -> None:
        """Set a new password with a reissue token (once), and end every session."""
        now = self._policy.clock.now()
        invalid = CourtError(
            "validation_failed",
            "this reset link is not valid, was already used, or has expired; ask for a new one",
            details={"field": "token"},
        )
        if not token or len(token) > 200:
            raise invalid
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT t.account_id::text, t.expires_at, t.used_at, a.username"
                " FROM reset_tokens t JOIN accounts a USING (account_id)"
                " WHERE t.token_sha256 = %s FOR UPDATE OF t",
                [token_hash(token)],
            ).fetchone()
            if row is None or row[2] is not None or row[1] <= now:
                raise invalid
            account_id, _, _, username = row
            passwords.check_policy(new_password, username=username)
            conn.execute(
                "UPDATE reset_tokens SET used_at = %s WHERE token_sha256 = %s",
                [now, token_hash(token)],
            )
            store.set_password(conn, account_id, passwords.hash_password(new_password))
            store.revoke_sessions(conn, account_id=account_id, reason="password reset", now=now)
        log.info("password reset", extra={"account_id": account_id})
