"""Stage 2, notices: who receives what for a recorded entry (the rules; the SQL is in
store/notices.py). Runs inside the consumer's transaction, with no network call: one notice
row per address (status ``needs_links``), picked up by the composer (compose/nda.py).

Who gets an NDA for entry E of case C, one message per address (first reason wins):
1. counsel of record in C (since the entry they appeared with) whose notice flag is on, at
   their primary address;
2. their secondary addresses that cover every case, or list C;
3. users who subscribed to C (at their primary address), if not counsel in C.
An account whose notice flag is off gets no NDA at any of its addresses; counsel who left the
notice box off on their notice of appearance get none in that case.

Who each NDA lists as served on paper instead (``paper_service``): counsel of record with no
e-mail or with notices off (the account's flag or the case's box), and parties that no counsel
of record represents and that have no e-mail.

Entries and account changes: notify hears of entries (docket.events) and of account changes
(auth.events) through two consumers, each in its own transaction. An entry addressed while a
change is applied would be addressed from the old view, and the change's backfill would not
see the entry it had not committed yet: the notice owed to the new address would be lost (a
test saw it once in CI). So addressing an entry takes a lock shared (entries never wait for
each other), and an account change takes it alone (``account_change_begins``): the change
sees every entry committed before it, and every entry after it sees the change.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

from services.common.court import is_court_staff, restricted
from services.notify.store import notices as store

log = logging.getLogger(__name__)

REASON_PRIORITY = {"counsel": 0, "secondary": 1, "subscriber": 2}


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    account_id: str | None
    reason: str  # counsel, secondary, subscriber
    notice_format: str  # html, text
    role: str


@dataclass(frozen=True)
class EntryFacts:
    """What decides who may have free-look links for an entry's documents."""

    case_number: str
    entry_number: int
    case_type: str
    sealed: bool
    has_documents: bool


@dataclass(frozen=True)
class PaperParticipant:
    name: str
    detail: str


def notice_id_for(case_number: str, entry_number: int, email: str) -> uuid.UUID:
    """The notice of one entry to one address: the same whenever it is recorded."""
    key = f"openecf:nda:{case_number}:{entry_number}:{email.strip().lower()}"
    return uuid.uuid5(uuid.NAMESPACE_URL, key)


def message_id_for(notice_id: uuid.UUID | str) -> str:
    return f"<{notice_id}@openecf>"


def record_for_entry(conn: Connection[Any], facts: EntryFacts) -> int:
    """The notices of a newly recorded entry; returns how many."""
    store.lock_addressing(conn, exclusive=False)  # the module's "Entries and account changes"
    added = add_notices(
        conn, facts, resolve_recipients(conn, facts.case_number, facts.entry_number)
    )
    log.info(
        "notices recorded",
        extra={
            "case_number": facts.case_number,
            "entry_number": facts.entry_number,
            "notices": added,
        },
    )
    return added


def resolve_recipients(
    conn: Connection[Any],
    case_number: str,
    entry_number: int,
    *,
    account_id: str | None = None,
    subscribed_before: datetime | None = None,
) -> list[Recipient]:
    """Every address that gets entry ``entry_number``'s NDA, one per address, counsel first.

    ``account_id`` narrows it to one account's addresses (backfills); ``subscribed_before``
    leaves out subscriptions made after the entry was recorded.
    """
    rows = store.recipient_rows(
        conn,
        case_number,
        entry_number,
        account_id=account_id,
        subscribed_before=subscribed_before,
    )
    return unique_by_address(
        [
            Recipient(
                email=email.strip(),
                name=name,
                account_id=account,
                reason=reason,
                notice_format=notice_format,
                role=role,
            )
            for email, name, account, reason, notice_format, role in rows
            if email and email.strip()
        ]
    )


def unique_by_address(found: list[Recipient]) -> list[Recipient]:
    """One recipient per address (case-insensitive): counsel before secondary before
    subscriber, then by name and address."""
    ordered = sorted(
        found, key=lambda r: (REASON_PRIORITY[r.reason], r.name.lower(), r.email.lower())
    )
    unique: dict[str, Recipient] = {}
    for recipient in ordered:
        unique.setdefault(recipient.email.lower(), recipient)
    return list(unique.values())


def paper_service(
    conn: Connection[Any], case_number: str, entry_number: int
) -> list[PaperParticipant]:
    """Who will not receive entry ``entry_number``'s NDA electronically: counsel of record with
    no e-mail or with notices off, and parties no counsel represents that have no e-mail."""
    represented = {
        party.strip().casefold()
        for party_names in store.represented_party_names(conn, case_number, entry_number)
        for party in [party_names, *party_names.split(";")]
    }
    return [
        *(
            PaperParticipant(name, f"counsel for {party}" if party else "counsel")
            for name, party in store.counsel_on_paper(conn, case_number, entry_number)
        ),
        *(
            PaperParticipant(name, "" if role == "unspecified" else role.replace("_", " "))
            for name, role in store.parties_without_email(conn, case_number)
            if name.strip().casefold() not in represented
        ),
    ]


def may_have_links(facts: EntryFacts, recipient: Recipient) -> bool:
    """Free looks only where the recipient could open the document anyway."""
    if facts.sealed or not facts.has_documents:
        return False
    if restricted(facts.case_type):
        return recipient.reason != "subscriber" or is_court_staff(recipient.role)
    return True


def add_notices(conn: Connection[Any], facts: EntryFacts, recipients: list[Recipient]) -> int:
    """Insert the notice rows that do not exist yet; return how many were new."""
    added = 0
    for recipient in recipients:
        notice_id = notice_id_for(facts.case_number, facts.entry_number, recipient.email)
        added += store.insert_notice(
            conn,
            store.NoticeRow(
                notice_id=str(notice_id),
                case_number=facts.case_number,
                entry_number=facts.entry_number,
                email=recipient.email,
                name=recipient.name,
                account_id=recipient.account_id,
                reason=recipient.reason,
                notice_format=recipient.notice_format,
                with_links=may_have_links(facts, recipient),
                message_id=message_id_for(notice_id),
            ),
        )
    return added


def account_change_begins(conn: Connection[Any]) -> None:
    """Before an account change reaches the view: waits for entries being addressed to
    commit, and holds new ones until this change commits (the module's rule)."""
    store.lock_addressing(conn, exclusive=True)


def backfill(
    conn: Connection[Any],
    *,
    case_number: str,
    account_id: str,
    from_entry: int,
    recorded_since: datetime | None = None,
) -> int:
    """The notices one account should have had for entries recorded before notify knew it
    (as counsel from ``from_entry``, or as a subscriber before the entry was recorded), or,
    with ``recorded_since``, knew it as it is now."""
    store.lock_addressing(conn, exclusive=False)  # once, before the entries are read
    added = 0
    for number, case_type, sealed, has_documents, recorded_at in store.entries_from(
        conn, case_number, from_entry, recorded_since=recorded_since
    ):
        facts = EntryFacts(
            case_number=case_number,
            entry_number=number,
            case_type=case_type,
            sealed=sealed,
            has_documents=has_documents,
        )
        recipients = resolve_recipients(
            conn, case_number, number, account_id=account_id, subscribed_before=recorded_at
        )
        added += add_notices(conn, facts, recipients)
    if added:
        log.info(
            "notices added for entries recorded earlier",
            extra={"case_number": case_number, "account_id": account_id, "notices": added},
        )
    return added


def backfill_account(
    conn: Connection[Any], account_id: str, *, recorded_since: datetime | None = None
) -> int:
    """Notices for an account notify learns of after entries naming it were recorded, or
    (``recorded_since``) learns a change of after entries recorded since it was made."""
    return sum(
        backfill(
            conn,
            case_number=case_number,
            account_id=account_id,
            from_entry=since,
            recorded_since=recorded_since,
        )
        for case_number, since in store.cases_of_account(conn, account_id)
    )


def entry_sealed(conn: Connection[Any], case_number: str, entry_number: int) -> int:
    """An entry sealed after its notices were recorded: those not yet sent are composed again
    (the composer then gives them no text, no file names and no links); how many. A notice
    already sent cannot be recalled."""
    return store.compose_unsent_again(conn, case_number, entry_number)
