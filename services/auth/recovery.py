"""Forgotten login or password: a reissue e-mail with a single-use token, then a reset."""

from __future__ import annotations

import logging
from datetime import timedelta

from court.v1 import events_pb2
from psycopg_pool import ConnectionPool

from services.auth import mail_tokens, passwords, ratelimit, store, validation
from services.auth.confirmation import request_confirmation
from services.auth.policy import AuthPolicy
from services.auth.stepup import end_what_came_before
from services.common.errors import CourtError
from services.common.outbox import publish

log = logging.getLogger(__name__)
MAIL_WINDOW = timedelta(hours=1)


class Recovery:
    def __init__(self, pool: ConnectionPool, policy: AuthPolicy) -> None:
        self._pool = pool
        self._policy = policy

    def request_reissue(self, email: str, *, client: str) -> None:
        """Accepted whether or not the address exists (nothing tells which), within limits."""
        now = self._policy.clock.now()
        with self._pool.connection() as conn, conn.transaction():
            ratelimit.spend(
                conn,
                bucket="reissue-client",
                key=client,
                limit=self._policy.mail_per_client_hour,
                window=MAIL_WINDOW,
                now=now,
            )
        try:
            address = validation.email(email)
        except CourtError:
            return
        with self._pool.connection() as conn, conn.transaction():
            ratelimit.spend(
                conn,
                bucket="reissue-address",
                key=address,
                limit=self._policy.mail_per_address_hour,
                window=MAIL_WINDOW,
                now=now,
            )
            for account in store.accounts_by_email(conn, address):
                if not account.email_confirmed:
                    # Never a reset (nor the username) to an address nobody confirmed: it may
                    # not be the owner's. It gets its confirmation link again instead, so an
                    # owner who lost the first mail can still get in.
                    request_confirmation(
                        conn,
                        account_id=account.account_id,
                        name=account.name,
                        email=account.email,
                        primary=True,
                        now=now,
                        ttl=self._policy.confirm_token_ttl,
                    )
                    continue
                slot = mail_tokens.open_slot(
                    conn,
                    account_id=account.account_id,
                    purpose=mail_tokens.RESET,
                    email=account.email,
                    now=now,
                    ttl=self._policy.reset_token_ttl,
                )
                payload = events_pb2.CredentialReissueRequested(
                    account_id=account.account_id,
                    email=account.email,
                    token_id=slot.token_id,
                    username=account.username,
                )
                payload.expires_at.FromDatetime(slot.expires_at)
                publish(
                    conn,
                    event_type="auth.credential_reissue_requested",
                    source="auth",
                    subject=account.account_id,
                    payload=payload,
                )
                log.info("credential reissue requested", extra={"account_id": account.account_id})

    def reset_password(self, token: str, new_password: str) -> None:
        """Set a new password with a reissue token (once), and end every session and every
        other mailed link of the account (resets, address confirmations)."""
        now = self._policy.clock.now()
        invalid = CourtError(
            "validation_failed",
            "this reset link is not valid, was already used, or has expired; ask for a new one",
            details={"field": "token"},
        )
        with self._pool.connection() as conn, conn.transaction():
            slot = mail_tokens.redeem(conn, token, purpose=mail_tokens.RESET, now=now)
            account = store.account_by_id(conn, slot.account_id) if slot else None
            if slot is None or account is None:
                raise invalid
            passwords.check_policy(new_password, username=account.username)
            store.set_password(conn, slot.account_id, passwords.hash_password(new_password))
            end_what_came_before(conn, account, reason="password reset", now=now)
        log.info("password reset", extra={"account_id": slot.account_id})

    def issue_mail_token(self, token_id: str) -> str:
        """The token for a mail notify is sending now ("" when its slot ended or expired)."""
        with self._pool.connection() as conn, conn.transaction():
            return mail_tokens.issue(conn, token_id, self._policy.clock.now()) or ""
