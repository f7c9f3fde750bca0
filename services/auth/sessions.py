"""Logging in with PACER credentials, sessions, and throttling of failed attempts."""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.auth import metrics, mfa, passwords, store, throttle
from services.auth.models import Account, Credentials
from services.auth.policy import AuthPolicy
from services.auth.tokens import new_token, token_hash
from services.auth.totp_keys import TotpKeyring
from services.common.errors import CourtError
from services.common.principal import Principal

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = "the username or password is not correct"


@dataclass(frozen=True)
class NewSession:
    token: str
    expires_at: datetime
    account: Account


class Sessions:
    def __init__(self, pool: ConnectionPool, policy: AuthPolicy) -> None:
        self._pool = pool
        self._policy = policy

    def login(
        self, *, username: str, password: str, otp: str, continue_existing: bool, client: str
    ) -> NewSession:
        now = self._policy.clock.now()
        pair = f"{username}|{client}"
        rules = [(self._policy.login_pair_rule, pair), (self._policy.login_client_rule, client)]
        error: CourtError | None = None
        with ExitStack() as stack:
            # Before anything about the account is looked at: a throttled client learns
            # nothing, whether the username exists or the password is right.
            try:
                reservation = stack.enter_context(
                    throttle.attempt(
                        self._pool,
                        rules,
                        now,
                        failed=_wrong_factors,
                        reset_on_success=(self._policy.login_pair_rule,),
                    )
                )
            except CourtError:
                metrics.LOGINS.labels("throttled").inc()
                raise
            # One transaction under the account's row lock: concurrent logins with the same
            # one-time code cannot both succeed.
            with self._pool.connection() as conn, conn.transaction():
                account = store.account_by_username(conn, username) if username else None
                creds = store.credentials_for_update(conn, account.account_id) if account else None
                if account is None or creds is None:
                    # Spend the same time as a real check, so unknown users are not revealed.
                    passwords.verify_password(passwords.dummy_hash(), password)
                    metrics.LOGINS.labels("invalid_credentials").inc()
                    error = CourtError("invalid_credentials", INVALID_CREDENTIALS)
                else:
                    error, step = _check_factors(creds, password, otp, now, self._policy.totp_keys)
                    if error is None:
                        if passwords.needs_rehash(creds.password_hash):
                            # Hashing parameters changed since this hash was made: upgrade it
                            # now, while the password is at hand (it is never stored to do it
                            # later).
                            new_hash = passwords.hash_password(password)
                            store.upgrade_password_hash(conn, account.account_id, new_hash)
                            metrics.PASSWORD_REHASHES.inc()
                        session = self._start_session(conn, account, step, continue_existing, now)
            # Raised after the commit; the attempt was counted as failed before it was made,
            # and a failed one stays counted.
            if error is not None:
                if reservation.started:
                    metrics.LOCKOUTS.inc()
                    log.warning(
                        "login throttled", extra={"account_id": account and account.account_id}
                    )
                raise error
        metrics.LOGINS.labels("ok").inc()
        log.info("logged in", extra={"account_id": session.account.account_id})
        return session

    def _start_session(
        self,
        conn: Connection[Any],
        account: Account,
        step: int | None,
        continue_existing: bool,
        now: datetime,
    ) -> NewSession:
        if store.open_sessions(conn, account.account_id, now) and not continue_existing:
            metrics.LOGINS.labels("session_active").inc()
            raise CourtError(
                "session_active",
                "you may already be logged in elsewhere; continue to end that session",
            )
        store.revoke_sessions(conn, account_id=account.account_id, reason="replaced", now=now)
        store.record_successful_login(conn, account.account_id, step)
        token = new_token()
        idle_expires = now + self._policy.session_idle
        absolute_expires = now + self._policy.session_absolute
        store.insert_session(
            conn,
            account_id=account.account_id,
            token_sha256=token_hash(token),
            now=now,
            idle_expires_at=idle_expires,
            absolute_expires_at=absolute_expires,
        )
        return NewSession(
            token=token, expires_at=min(idle_expires, absolute_expires), account=account
        )

    def logout(self, token: str) -> None:
        now = self._policy.clock.now()
        with self._pool.connection() as conn, conn.transaction():
            row = store.session_by_token(conn, token_hash(token))
            if row is None:
                raise CourtError("unauthenticated", "this session is not valid")
            session_id, account_id = row[0], row[1]
            store.revoke_sessions(
                conn, account_id=account_id, reason="logout", now=now, only=session_id
            )

    def validate(self, token: str) -> tuple[Principal, datetime]:
        """The principal behind ``token``; slide its idle expiry. Refuse anything else."""
        if not token or len(token) > 200:
            raise CourtError("unauthenticated", "log in first")
        now = self._policy.clock.now()
        with self._pool.connection() as conn:
            row = store.session_by_token(conn, token_hash(token))
            if row is None:
                raise CourtError("unauthenticated", "this session is not valid; log in again")
            (session_id, account_id, last_seen, idle_exp, absolute_exp, revoked, username, name,
             role, efiler_approved, mfa_enrolled) = row  # fmt: skip
            if revoked is not None or idle_exp <= now or absolute_exp <= now:
                raise CourtError("unauthenticated", "your session has ended; log in again")
            idle_expires = min(now + self._policy.session_idle, absolute_exp)
            # Writing on every request would make every read a write; once a minute is enough.
            if (now - last_seen).total_seconds() >= 60:
                with conn.transaction():
                    store.touch_session(conn, session_id, now, idle_expires)
            else:
                idle_expires = idle_exp
        principal = Principal(
            account_id=account_id,
            username=username,
            name=name,
            role=role,
            efiler_approved=efiler_approved,
            mfa_enrolled=mfa_enrolled,
            session_id=session_id,
        )
        return principal, min(idle_expires, absolute_exp)

    def end_all(self, conn: Connection[Any], account_id: str, reason: str) -> None:
        store.revoke_sessions(
            conn, account_id=account_id, reason=reason, now=self._policy.clock.now()
        )


def _wrong_factors(exc: BaseException) -> bool:
    """Whether a login ended in a failure that stays counted (not, say, ``session_active``)."""
    return isinstance(exc, CourtError) and exc.code in {"invalid_credentials", "invalid_otp"}


def _check_factors(
    creds: Credentials, password: str, otp: str, now: datetime, totp_keys: TotpKeyring
) -> tuple[CourtError | None, int | None]:
    """(why the factors fail, or None; the TOTP step used, when there is one)."""
    if not passwords.verify_password(creds.password_hash, password):
        metrics.LOGINS.labels("invalid_credentials").inc()
        return CourtError("invalid_credentials", INVALID_CREDENTIALS), None
    if not creds.mfa_enrolled or not creds.mfa_secret:
        return None, None
    if not otp:
        metrics.LOGINS.labels("otp_missing").inc()
        return CourtError("invalid_otp", "enter the 6-digit code from your authenticator app"), None
    secret = totp_keys.open_or_none(creds.account_id, creds.mfa_secret)
    step = (
        mfa.matching_step(secret, otp, now=now, last_step=creds.mfa_last_step) if secret else None
    )
    if step is None:
        metrics.MFA_FAILURES.inc()
        metrics.LOGINS.labels("invalid_otp").inc()
        return CourtError("invalid_otp", "the code is wrong, expired or already used"), None
    return None, step
