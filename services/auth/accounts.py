"""Creating accounts: self-registration and the operator's bootstrap."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from court.v1 import events_pb2
from psycopg import Connection

from services.auth import passwords, ratelimit, store, validation
from services.auth.confirmation import request_confirmation
from services.auth.models import NOTICE_FORMATS, ROLES, SELF_REGISTERED_ROLES, Account, NewAccount
from services.auth.policy import AuthPolicy
from services.common.court import MAX_ADDRESS, MAX_BAR_NUMBER, MAX_FIRM, MAX_PERSON_NAME
from services.common.errors import CourtError
from services.common.events import new_event
from services.common.outbox import enqueue
from services.common.text import clean

log = logging.getLogger(__name__)


def validate_new_account(
    *,
    username: str,
    password: str,
    name: str,
    email: str,
    role: str,
    bar_number: str = "",
    bar_state: str = "",
    firm: str = "",
    address: str = "",
) -> NewAccount:
    if role not in ROLES:
        raise CourtError("validation_failed", f"unknown role {role!r}", details={"field": "role"})
    username = validation.username(username)
    passwords.check_policy(password, username=username)
    account = NewAccount(
        username=username,
        password=password,
        name=clean(name, field="name", max_length=MAX_PERSON_NAME, required=True),
        email=validation.email(email),
        role=role,
        address=clean(
            address, field="address", max_length=MAX_ADDRESS, required=False, multiline=True
        ),
        firm=clean(firm, field="firm", max_length=MAX_FIRM, required=False),
    )
    if role == "attorney":
        account = NewAccount(
            **{
                **account.__dict__,
                "bar_number": clean(
                    bar_number, field="bar_number", max_length=MAX_BAR_NUMBER, required=True
                ),
                "bar_state": validation.bar_state(bar_state),
            }
        )
    return account


def register(
    conn: Connection[Any],
    account: NewAccount,
    *,
    self_service: bool = True,
    policy: AuthPolicy | None = None,
) -> Account:
    """Store ``account`` and announce it, in the caller's transaction.

    A self-registered address is unconfirmed: it gets a confirmation link (``policy``: its
    lifetime, and the per-address mail limit) and nothing else until the link is used. An
    account made by an operator (`openecf account create`, the local stack's demo staff) or
    an administrator (CreateAccount) is confirmed: that person vouches for the address, and
    the first administrator must be able to work before the court's mail relay does.
    """
    if self_service and account.role not in SELF_REGISTERED_ROLES:
        raise CourtError(
            "forbidden",
            "clerk and admin accounts are created by an operator (openecf account create)",
            details={"field": "role"},
        )
    try:
        created = store.insert_account(
            conn,
            account,
            password_hash=passwords.hash_password(account.password),
            email_confirmed=not self_service,
        )
    except store.UsernameTaken:
        raise CourtError(
            "duplicate",
            f"the username {account.username!r} is already registered",
            details={"field": "username"},
        ) from None
    payload = events_pb2.AccountRegistered(
        account_id=created.account_id,
        username=created.username,
        name=created.name,
        email=created.mail_address,  # "" until confirmed: notify sends it nothing
        role=ROLES[created.role],
        notice_format=NOTICE_FORMATS[created.notice_format],
        bar_number=created.bar_number,
        bar_state=created.bar_state,
        firm=created.firm,
        notices_enabled=created.notices_enabled,
    )
    payload.created_at.FromDatetime(created.created_at)
    enqueue(
        conn,
        new_event(
            event_type="auth.account_registered",
            source="auth",
            subject=created.account_id,
            payload=payload,
        ),
    )
    if not created.email_confirmed:
        assert policy is not None, "a self-registered address needs a confirmation link"
        _mail_confirmation(conn, created, policy)
    log.info("account registered", extra={"account_id": created.account_id, "role": created.role})
    return created


def _mail_confirmation(conn: Connection[Any], account: Account, policy: AuthPolicy) -> None:
    """The registration's confirmation link, within the per-address mail limit: registering
    many accounts with someone's address cannot flood it. Over the limit the account is still
    made, without the mail (its owner asks again later from "forgot password")."""
    try:
        with conn.transaction():  # a savepoint: a refused count leaves the registration intact
            ratelimit.spend(
                conn,
                bucket="confirm-address",
                key=account.email,
                limit=policy.mail_per_address_hour,
                window=timedelta(hours=1),
                now=account.created_at,
            )
    except CourtError:
        log.warning(
            "confirmation mail not sent: address over its hourly limit",
            extra={"account_id": account.account_id},
        )
        return
    request_confirmation(
        conn,
        account_id=account.account_id,
        name=account.name,
        email=account.email,
        primary=True,
        now=account.created_at,
        ttl=policy.confirm_token_ttl,
    )
