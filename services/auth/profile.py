"""A person's own account: profile, second factor, e-filer application; and the clerk's approval."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from court.v1 import auth_pb2, events_pb2
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.auth import mail_tokens, mfa, passwords, ratelimit, store, validation
from services.auth.confirmation import request_confirmation
from services.auth.models import NOTICE_FORMATS, Account, Credentials, SecondaryEmail
from services.auth.policy import AuthPolicy
from services.auth.stepup import after_security_change, guarded, reauthenticate
from services.common import court
from services.common.court import EFILER_ROLES, MAX_ADDRESS, MAX_FIRM, check_case_number
from services.common.errors import CourtError
from services.common.outbox import publish
from services.common.principal import Principal
from services.common.text import clean

log = logging.getLogger(__name__)
MAIL_WINDOW = timedelta(hours=1)
MAX_SECONDARY_EMAILS = 5
MAX_CASES_PER_SECONDARY = 200


@dataclass(frozen=True)
class BarSearch:
    name: str = ""
    bar_number: str = ""
    bar_state: str = ""
    limit: int = 25


@dataclass(frozen=True)
class ProfileChange:
    email: str | None = None
    address: str | None = None
    firm: str | None = None
    notice_format: str | None = None
    notices_enabled: bool | None = None
    secondary_emails: list[SecondaryEmail] | None = None


class Profiles:
    def __init__(self, pool: ConnectionPool, policy: AuthPolicy) -> None:
        self._pool = pool
        self._policy = policy

    def get(self, account_id: str) -> Account:
        with self._pool.connection() as conn:
            return _existing(conn, account_id)

    def _step_up(
        self, conn: Connection[Any], account_id: str, current_password: str, otp: str, now: datetime
    ) -> Credentials:
        """What takes an account needs its password (and code) again: stepup.reauthenticate."""
        return reauthenticate(
            conn,
            account_id,
            current_password=current_password,
            otp=otp,
            now=now,
            totp_keys=self._policy.totp_keys,
        )

    def update(
        self,
        principal: Principal,
        change: ProfileChange,
        *,
        current_password: str,
        otp: str,
        client: str,
    ) -> Account:
        """Apply ``change``. A new address (primary or secondary) is only *asked for*: it gets
        a confirmation link and nothing else until the link is used (``confirm_email``)."""
        change = _validated(change)
        now = self._policy.clock.now()
        with (
            guarded(self._pool, principal.account_id, now),
            self._pool.connection() as conn,
            conn.transaction(),
        ):
            before = _existing(conn, principal.account_id, lock=True)
            moving = change.email is not None and change.email.lower() != before.email.lower()
            confirmed = {s.email.lower() for s in before.secondary_emails if s.confirmed}
            confirmed.add(before.email.lower())
            adding = [
                secondary.email
                for secondary in change.secondary_emails or ()
                if secondary.email.lower() not in confirmed
            ]
            # A new address receives the account's notices and free-look links: a stolen
            # session alone must not add one, no more than it may move the primary address.
            if moving or adding:
                self._step_up(conn, principal.account_id, current_password, otp, now)
            updates = {
                key: value
                for key, value in (
                    ("address", change.address),
                    ("firm", change.firm),
                    ("notice_format", change.notice_format),
                    ("notices_enabled", change.notices_enabled),
                )
                if value is not None
            }
            if updates:
                assignments = ", ".join(f"{column} = %s" for column in updates)
                conn.execute(
                    f"UPDATE accounts SET {assignments}, updated_at = now() WHERE account_id = %s",
                    [*updates.values(), principal.account_id],
                )
            if change.secondary_emails is not None:
                conn.execute(
                    "DELETE FROM secondary_emails WHERE account_id = %s", [principal.account_id]
                )
                for position, secondary in enumerate(change.secondary_emails):
                    known = secondary.email.lower() in confirmed
                    conn.execute(
                        "INSERT INTO secondary_emails (account_id, position, email, case_numbers,"
                        " confirmed) VALUES (%s, %s, %s, %s, %s)",
                        [
                            principal.account_id,
                            position,
                            secondary.email,
                            list(secondary.case_numbers)
                            if secondary.case_numbers is not None
                            else None,
                            known,
                        ],
                    )
            if moving:
                assert change.email is not None
                # First: it ends the links mailed before, not the one asked for now.
                after_security_change(
                    conn, before, change="email", keep_session=principal.session_id, now=now
                )
                self._ask_confirmation(conn, before, change.email, True, client=client, now=now)
            for email in adding:
                self._ask_confirmation(conn, before, email, False, client=client, now=now)
            account = _existing(conn, principal.account_id)
            self._announce_update(conn, account)
        return account

    def _ask_confirmation(
        self,
        conn: Connection[Any],
        account: Account,
        email: str,
        primary: bool,
        *,
        client: str,
        now: datetime,
    ) -> None:
        for bucket, key, limit in (
            ("confirm-client", client, self._policy.mail_per_client_hour),
            ("confirm-address", email, self._policy.mail_per_address_hour),
        ):
            ratelimit.spend(conn, bucket=bucket, key=key, limit=limit, window=MAIL_WINDOW, now=now)
        request_confirmation(
            conn,
            account_id=account.account_id,
            name=account.name,
            email=email,
            primary=primary,
            now=now,
            ttl=self._policy.confirm_token_ttl,
        )

    def confirm_email(self, token: str) -> str:
        """Use a confirmation link: the address becomes the primary one, or a confirmed
        secondary one that receives notices."""
        now = self._policy.clock.now()
        with self._pool.connection() as conn, conn.transaction():
            slot = mail_tokens.redeem(conn, token, purpose=mail_tokens.CONFIRM_EMAIL, now=now)
            if slot is None:
                raise CourtError(
                    "validation_failed",
                    "this confirmation link is not valid, was already used, or has expired",
                    details={"field": "token"},
                )
            _existing(conn, slot.account_id, lock=True)
            if slot.primary_email:
                store.confirm_primary_email(conn, slot.account_id, slot.email)
                # Reset links went to the address just left (perhaps because it was lost).
                mail_tokens.end_all(conn, slot.account_id, purpose=mail_tokens.RESET, now=now)
            else:
                conn.execute(
                    "UPDATE secondary_emails SET confirmed = true"
                    " WHERE account_id = %s AND lower(email) = lower(%s)",
                    [slot.account_id, slot.email],
                )
            self._announce_update(conn, _existing(conn, slot.account_id))
        log.info("address confirmed", extra={"account_id": slot.account_id})
        return slot.email

    def _announce_update(self, conn: Connection[Any], account: Account) -> None:
        payload = events_pb2.AccountUpdated(
            account_id=account.account_id,
            name=account.name,
            email=account.mail_address,
            firm=account.firm,
            address=account.address,
            notice_format=NOTICE_FORMATS[account.notice_format],
            # Notify only ever hears of confirmed addresses: nothing goes to the others.
            secondary_emails=[s.to_proto() for s in account.secondary_emails if s.confirmed],
            notices_enabled=account.notices_enabled,
        )
        payload.updated_at.FromDatetime(self._policy.clock.now())
        publish(
            conn,
            event_type="auth.account_updated",
            source="auth",
            subject=account.account_id,
            payload=payload,
        )

    # -- second factor -------------------------------------------------------------------

    def enroll_mfa(
        self, principal: Principal, *, current_password: str, otp: str
    ) -> tuple[str, str]:
        """A new secret, pending until a code from it is confirmed (step-up first)."""
        secret = mfa.new_secret()
        now = self._policy.clock.now()
        with (
            guarded(self._pool, principal.account_id, now),
            self._pool.connection() as conn,
            conn.transaction(),
        ):
            self._step_up(conn, principal.account_id, current_password, otp, now)
            conn.execute(
                "UPDATE accounts SET mfa_pending_secret = %s WHERE account_id = %s",
                [self._policy.totp_keys.seal(principal.account_id, secret), principal.account_id],
            )
        uri = mfa.provisioning_uri(
            secret, username=principal.username, issuer=self._policy.totp_issuer
        )
        return secret, uri

    def confirm_mfa(self, principal: Principal, otp: str) -> None:
        now = self._policy.clock.now()
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT mfa_pending_secret FROM accounts WHERE account_id = %s FOR UPDATE",
                [principal.account_id],
            ).fetchone()
            sealed = row[0] if row else None
            pending = sealed and self._policy.totp_keys.open_or_none(principal.account_id, sealed)
            if not pending:
                raise CourtError(
                    "validation_failed", "start enrolment first", details={"field": "otp"}
                )
            step = mfa.matching_step(pending, otp, now=now, last_step=0)
            if step is None:
                raise CourtError("invalid_otp", "the code does not match; check the phone's clock")
            conn.execute(
                "UPDATE accounts SET mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL,"
                " mfa_enrolled = true, mfa_last_step = %s WHERE account_id = %s",
                [step, principal.account_id],
            )
            account = _existing(conn, principal.account_id)
            after_security_change(
                conn, account, change="mfa_enrolled", keep_session=principal.session_id, now=now
            )
        log.info("second factor enrolled", extra={"account_id": principal.account_id})

    def remove_mfa(self, principal: Principal, *, current_password: str, otp: str) -> None:
        now = self._policy.clock.now()
        with (
            guarded(self._pool, principal.account_id, now),
            self._pool.connection() as conn,
            conn.transaction(),
        ):
            creds = self._step_up(conn, principal.account_id, current_password, otp, now)
            if not creds.mfa_enrolled:
                raise CourtError("not_found", "no second factor is set up")
            conn.execute(
                "UPDATE accounts SET mfa_secret = NULL, mfa_pending_secret = NULL,"
                " mfa_enrolled = false, updated_at = now() WHERE account_id = %s",
                [principal.account_id],
            )
            account = _existing(conn, principal.account_id)
            after_security_change(
                conn, account, change="mfa_removed", keep_session=principal.session_id, now=now
            )
        log.info("second factor removed", extra={"account_id": principal.account_id})

    def change_password(
        self, principal: Principal, *, current_password: str, otp: str, new_password: str
    ) -> None:
        now = self._policy.clock.now()
        with (
            guarded(self._pool, principal.account_id, now),
            self._pool.connection() as conn,
            conn.transaction(),
        ):
            self._step_up(conn, principal.account_id, current_password, otp, now)
            account = _existing(conn, principal.account_id)
            passwords.check_policy(new_password, username=account.username)
            store.set_password(conn, account.account_id, passwords.hash_password(new_password))
            after_security_change(
                conn, account, change="password", keep_session=principal.session_id, now=now
            )
        log.info("password changed", extra={"account_id": principal.account_id})

    # -- e-filer application ---------------------------------------------------------------

    def apply_efiler(self, principal: Principal) -> str:
        now = self._policy.clock.now()
        with self._pool.connection() as conn, conn.transaction():
            account = _existing(conn, principal.account_id, lock=True)
            if account.role not in EFILER_ROLES:
                raise CourtError(
                    "forbidden", "only attorneys and pro se parties may apply to e-file"
                )
            if not account.email_confirmed:
                # The clerk's answer and every notice go to this address: it must be the
                # applicant's own.
                raise CourtError(
                    "email_unconfirmed",
                    "confirm your e-mail address first: open the link mailed to it (My Account"
                    " sends a new one)",
                )
            if account.efiler_status != "not_applied":
                raise CourtError(
                    "duplicate",
                    "already registered — update your profile instead (a change of firm never "
                    "needs a new account or a new application)",
                    details={"efiler_status": account.efiler_status},
                )
            conn.execute(
                "UPDATE accounts SET efiler_status = 'pending', efiler_applied_at = %s"
                " WHERE account_id = %s",
                [now, account.account_id],
            )
            payload = events_pb2.EfilerApplied(
                account_id=account.account_id,
                name=account.name,
                bar_number=account.bar_number,
                bar_state=account.bar_state,
            )
            payload.applied_at.FromDatetime(now)
            publish(
                conn,
                event_type="auth.efiler_applied",
                source="auth",
                subject=account.account_id,
                payload=payload,
            )
        return "pending"

    def approve_efiler(self, clerk: Principal, account_id: str) -> Account:
        now = self._policy.clock.now()
        with self._pool.connection() as conn, conn.transaction():
            account = _existing(conn, validation.uuid_text(account_id, "account_id"), lock=True)
            if account.efiler_status == "approved":
                return account  # approving twice changes nothing
            if account.efiler_status != "pending":
                raise CourtError("validation_failed", "this account has not applied to e-file")
            conn.execute(
                "UPDATE accounts SET efiler_status = 'approved', efiler_approved_at = %s,"
                " efiler_approved_by = %s WHERE account_id = %s",
                [now, clerk.account_id, account.account_id],
            )
            payload = events_pb2.EfilerApproved(
                account_id=account.account_id,
                name=account.name,
                email=account.email,
                approved_by_account_id=clerk.account_id,
            )
            payload.approved_at.FromDatetime(now)
            publish(
                conn,
                event_type="auth.efiler_approved",
                source="auth",
                subject=account.account_id,
                payload=payload,
            )
            approved = _existing(conn, account.account_id)
        log.info("e-filer approved", extra={"account_id": account_id, "by": clerk.account_id})
        return approved

    def pending_efilers(self, limit: int = 100) -> list[Account]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT account_id::text FROM accounts WHERE efiler_status = 'pending'"
                " ORDER BY efiler_applied_at LIMIT %s",
                [limit],
            ).fetchall()
            return [_existing(conn, row[0]) for row in rows]

    def search_attorneys(self, search: BarSearch, *, client: str) -> list[auth_pb2.Attorney]:
        """The court's bar search, open to anyone: public fields only, rate-limited per
        client (anyone may ask, so nobody may copy the bar roll wholesale)."""
        name = clean(search.name, field="name", max_length=100, required=False)
        bar_number = clean(
            search.bar_number, field="bar_number", max_length=court.MAX_BAR_NUMBER, required=False
        )
        state = validation.bar_state(search.bar_state) if search.bar_state.strip() else ""
        if not name and not bar_number:
            raise CourtError(
                "validation_failed", "give a name or a bar number", details={"field": "name"}
            )
        pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._pool.connection() as conn, conn.transaction():
            ratelimit.spend(
                conn,
                bucket="bar-search-client",
                key=client,
                limit=self._policy.bar_searches_per_client_minute,
                window=timedelta(minutes=1),
                now=self._policy.clock.now(),
            )
            rows = conn.execute(
                "SELECT name, firm, bar_number, bar_state, efiler_status = 'approved'"
                " FROM accounts WHERE role = 'attorney'"
                " AND (%(name)s = '' OR lower(name) LIKE lower(%(pattern)s))"
                " AND (%(bar)s = '' OR lower(bar_number) = lower(%(bar)s))"
                " AND (%(state)s = '' OR bar_state = %(state)s)"
                " ORDER BY name, bar_state, bar_number LIMIT %(limit)s",
                {
                    "name": name,
                    "pattern": pattern,
                    "bar": bar_number,
                    "state": state,
                    "limit": search.limit,
                },
            ).fetchall()
        # No account id, address, phone or e-mail: the search is public.
        return [
            auth_pb2.Attorney(
                name=r[0], firm=r[1], bar_number=r[2], bar_state=r[3], efiler_registered=r[4]
            )
            for r in rows
        ]


def _existing(conn: Connection[Any], account_id: str, *, lock: bool = False) -> Account:
    account = store.account_by_id(conn, account_id, lock=lock)
    if account is None:
        raise CourtError("not_found", "no such account")
    return account


def _validated(change: ProfileChange) -> ProfileChange:
    secondaries = change.secondary_emails
    if secondaries is not None:
        if len(secondaries) > MAX_SECONDARY_EMAILS:
            raise CourtError(
                "validation_failed",
                f"at most {MAX_SECONDARY_EMAILS} secondary addresses",
                details={"field": "secondary_emails"},
            )
        secondaries = [
            SecondaryEmail(
                validation.email(s.email, field="secondary_emails"),
                None
                if s.case_numbers is None
                else tuple(check_case_number(c) for c in s.case_numbers[:MAX_CASES_PER_SECONDARY]),
            )
            for s in secondaries
        ]
        if len({s.email.lower() for s in secondaries}) != len(secondaries):
            raise CourtError(
                "validation_failed",
                "a secondary address is listed twice",
                details={"field": "secondary_emails"},
            )
    if change.notice_format is not None and change.notice_format not in NOTICE_FORMATS:
        raise CourtError(
            "validation_failed",
            "notice_format must be html or text",
            details={"field": "notice_format"},
        )
    return ProfileChange(
        email=validation.email(change.email) if change.email is not None else None,
        address=(
            clean(
                change.address,
                field="address",
                max_length=MAX_ADDRESS,
                required=False,
                multiline=True,
            )
            if change.address is not None
            else None
        ),
        firm=(
            clean(change.firm, field="firm", max_length=MAX_FIRM, required=False)
            if change.firm is not None
            else None
        ),
        notice_format=change.notice_format,
        notices_enabled=change.notices_enabled,
        secondary_emails=secondaries,
    )
