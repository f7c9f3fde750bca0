"""Recording NDAs from docket.events: the case view, the entry, one notice row per address.

Everything here runs inside the consumer's transaction and does no network call: the entry
and its notice rows (status ``needs_links``) commit together with the event id, so a notice
is never lost and never recorded twice. The composer (links.py) asks access for the free-look
links and renders the message; the sender (delivery.py) sends it.

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
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from court.v1 import events_pb2
from psycopg import Connection

from services.common.court import is_court_staff, restricted
from services.common.enums import case_type_name, filing_type_name, party_role_name
from services.common.errors import PermanentEventError
from services.common.events import unpack

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


def notice_id_for(case_number: str, entry_number: int, email: str) -> uuid.UUID:
    """The notice of one entry to one address: the same whenever it is recorded."""
    key = f"openecf:nda:{case_number}:{entry_number}:{email.strip().lower()}"
    return uuid.uuid5(uuid.NAMESPACE_URL, key)


def message_id_for(notice_id: uuid.UUID | str) -> str:
    return f"<{notice_id}@openecf>"


# -- the case view ---------------------------------------------------------------------------


def on_case_opened(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.CaseOpened)
    if not event.case_number:
        raise PermanentEventError("docket.case_opened without a case number")
    conn.execute(
        "INSERT INTO cases (case_number, title, case_type) VALUES (%s, %s, %s)"
        " ON CONFLICT (case_number) DO UPDATE SET title = excluded.title,"
        " case_type = excluded.case_type, updated_at = now()",
        [event.case_number, event.title, case_type_name(event.case_type)],
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO case_parties (case_number, name, role) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [
                (event.case_number, party.name, party_role_name(party.role))
                for party in event.parties
                if party.name.strip()
            ],
        )
    for counsel in event.counsel:
        add_counsel(conn, event.case_number, counsel, since_entry=0)


def on_appearance_entered(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.AppearanceEntered)
    if not event.case_number:
        raise PermanentEventError("docket.appearance_entered without a case number")
    # The case normally exists already (same key, earlier offset); if not, its title and type
    # arrive with case_opened or the entry.
    conn.execute(
        "INSERT INTO cases (case_number, title, case_type) VALUES (%s, '', 'unspecified')"
        " ON CONFLICT DO NOTHING",
        [event.case_number],
    )
    add_counsel(conn, event.case_number, event.counsel, since_entry=event.entry_number)


def add_counsel(conn: Connection[Any], case_number: str, counsel: Any, *, since_entry: int) -> None:
    """Counsel of record from ``since_entry`` on; entries already recorded from there on (an
    appearance read after its own entry) get this counsel's notices now."""
    account_id = _uuid_or_none(counsel.account_id)
    if account_id is None:
        log.warning("counsel without an account", extra={"case_number": case_number})
        return
    conn.execute(
        "INSERT INTO case_counsel (case_number, account_id, name, firm, party_name, notices,"
        " since_entry) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (case_number, account_id) DO UPDATE"
        " SET name = excluded.name, firm = excluded.firm, party_name = excluded.party_name,"
        " notices = excluded.notices,"
        " since_entry = LEAST(case_counsel.since_entry, excluded.since_entry)",
        [
            case_number,
            account_id,
            counsel.name,
            counsel.firm,
            counsel.party_name,
            counsel_wants_notices(counsel),
            since_entry,
        ],
    )
    _backfill(conn, case_number=case_number, account_id=account_id, from_entry=since_entry)


# -- entries and their notices ---------------------------------------------------------------


def on_entry_recorded(conn: Connection[Any], envelope: events_pb2.EventEnvelope) -> None:
    event = unpack(envelope, events_pb2.EntryRecorded)
    if not event.case_number or event.entry_number <= 0:
        raise PermanentEventError("docket.entry_recorded without a case number or entry number")
    if not event.entered_at.HasField("utc"):
        raise PermanentEventError("docket.entry_recorded without entered_at")
    case_type = case_type_name(event.case_type)
    conn.execute(
        "INSERT INTO cases (case_number, title, case_type) VALUES (%s, %s, %s)"
        " ON CONFLICT (case_number) DO UPDATE SET"
        " title = CASE WHEN cases.title = '' THEN excluded.title ELSE cases.title END,"
        " case_type = CASE WHEN cases.case_type = 'unspecified' THEN excluded.case_type"
        " ELSE cases.case_type END"
        # Only fill in what an appearance read first could not know; no write otherwise.
        " WHERE cases.title = '' OR cases.case_type = 'unspecified'",
        [event.case_number, event.case_title, case_type],
    )
    entered_at = event.entered_at.utc.ToDatetime(tzinfo=UTC)
    filed_at = (
        event.filed_at.utc.ToDatetime(tzinfo=UTC) if event.filed_at.HasField("utc") else entered_at
    )
    documents = [
        {"document_id": d.document_id, "filename": d.filename, "pages": d.pages}
        for d in event.documents
        if d.document_id
    ]
    inserted = conn.execute(
        "INSERT INTO entries (case_number, entry_number, case_title, case_type, docket_text,"
        " filer, filed_at, entered_at, documents, sealed, filing_type, event_id, trace_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING",
        [
            event.case_number,
            event.entry_number,
            event.case_title,
            case_type,
            event.text,
            event.filer,
            filed_at,
            entered_at,
            json.dumps(documents),
            event.sealed,
            filing_type_name(event.filing_type),
            envelope.event_id,
            envelope.trace_id,
        ],
    ).rowcount
    if not inserted:
        # The same entry under another event id: its notices were recorded the first time.
        log.info(
            "entry already recorded",
            extra={"case_number": event.case_number, "entry_number": event.entry_number},
        )
        return
    facts = EntryFacts(
        case_number=event.case_number,
        entry_number=event.entry_number,
        case_type=case_type,
        sealed=event.sealed,
        has_documents=bool(documents),
    )
    recipients = resolve_recipients(conn, event.case_number, event.entry_number)
    added = add_notices(conn, facts, recipients)
    log.info(
        "notices recorded",
        extra={
            "case_number": event.case_number,
            "entry_number": event.entry_number,
            "notices": added,
        },
    )


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
    rows = conn.execute(
        "SELECT r.email, r.name, r.account_id::text, 'counsel', r.notice_format, r.role"
        " FROM case_counsel c JOIN recipients r USING (account_id)"
        " WHERE c.case_number = %(case)s AND c.since_entry <= %(entry)s AND r.notices_enabled"
        " AND c.notices"
        " AND (%(account)s::uuid IS NULL OR c.account_id = %(account)s::uuid)"
        " UNION ALL"
        " SELECT s.email, r.name, r.account_id::text, 'secondary', r.notice_format, r.role"
        " FROM case_counsel c JOIN recipients r USING (account_id)"
        " JOIN secondary_emails s USING (account_id)"
        " WHERE c.case_number = %(case)s AND c.since_entry <= %(entry)s AND r.notices_enabled"
        " AND c.notices"
        " AND (s.case_numbers IS NULL OR %(case)s = ANY (s.case_numbers))"
        " AND (%(account)s::uuid IS NULL OR c.account_id = %(account)s::uuid)"
        " UNION ALL"
        " SELECT r.email, r.name, r.account_id::text, 'subscriber', r.notice_format, r.role"
        " FROM subscriptions s JOIN recipients r USING (account_id)"
        " WHERE s.case_number = %(case)s"
        " AND (%(before)s::timestamptz IS NULL OR s.created_at <= %(before)s::timestamptz)"
        " AND (%(account)s::uuid IS NULL OR s.account_id = %(account)s::uuid)"
        " AND NOT EXISTS (SELECT 1 FROM case_counsel c WHERE c.case_number = s.case_number"
        " AND c.account_id = s.account_id)",
        {
            "case": case_number,
            "entry": entry_number,
            "account": account_id,
            "before": subscribed_before,
        },
    ).fetchall()
    found = [
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
    found.sort(key=lambda r: (REASON_PRIORITY[r.reason], r.name.lower(), r.email.lower()))
    unique: dict[str, Recipient] = {}
    for recipient in found:
        unique.setdefault(recipient.email.lower(), recipient)
    return list(unique.values())


def counsel_wants_notices(counsel: Any) -> bool:
    """The "Notice" box of the notice of appearance; events from before it existed say
    nothing, and counsel then receive notices as they always did."""
    return bool(counsel.receive_notices) if counsel.HasField("receive_notices") else True


@dataclass(frozen=True)
class PaperParticipant:
    name: str
    detail: str


def paper_service(
    conn: Connection[Any], case_number: str, entry_number: int
) -> list[PaperParticipant]:
    """Who will not receive entry ``entry_number``'s NDA electronically: counsel of record with
    no e-mail or with notices off, and parties no counsel represents that have no e-mail."""
    counsel = conn.execute(
        "SELECT c.name, c.party_name FROM case_counsel c"
        " LEFT JOIN recipients r USING (account_id)"
        " WHERE c.case_number = %(case)s AND c.since_entry <= %(entry)s"
        " AND (NOT c.notices OR (r.account_id IS NOT NULL"
        " AND (NOT r.notices_enabled OR btrim(r.email) = '')))"
        " ORDER BY lower(c.name)",
        {"case": case_number, "entry": entry_number},
    ).fetchall()
    represented = {
        party.strip().casefold()
        for (party_names,) in conn.execute(
            "SELECT party_name FROM case_counsel WHERE case_number = %s AND since_entry <= %s",
            [case_number, entry_number],
        ).fetchall()
        for party in [party_names, *party_names.split(";")]
    }
    parties = conn.execute(
        "SELECT name, role FROM case_parties WHERE case_number = %s AND btrim(email) = ''"
        " ORDER BY lower(name)",
        [case_number],
    ).fetchall()
    return [
        *(
            PaperParticipant(name, f"counsel for {party}" if party else "counsel")
            for name, party in counsel
        ),
        *(
            PaperParticipant(name, "" if role == "unspecified" else role.replace("_", " "))
            for name, role in parties
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
        added += conn.execute(
            "INSERT INTO notices (notice_id, case_number, entry_number, recipient_email,"
            " recipient_name, account_id, reason, notice_format, with_links, message_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [
                notice_id,
                facts.case_number,
                facts.entry_number,
                recipient.email,
                recipient.name,
                recipient.account_id,
                recipient.reason,
                recipient.notice_format,
                may_have_links(facts, recipient),
                message_id_for(notice_id),
            ],
        ).rowcount
    return added


def _entry_facts(
    conn: Connection[Any], case_number: str, from_entry: int
) -> list[tuple[EntryFacts, datetime]]:
    rows = conn.execute(
        "SELECT entry_number, case_type, sealed, jsonb_array_length(documents) > 0, recorded_at"
        " FROM entries WHERE case_number = %s AND entry_number >= %s ORDER BY entry_number",
        [case_number, from_entry],
    ).fetchall()
    return [
        (
            EntryFacts(
                case_number=case_number,
                entry_number=number,
                case_type=case_type,
                sealed=sealed,
                has_documents=has_documents,
            ),
            recorded_at,
        )
        for number, case_type, sealed, has_documents, recorded_at in rows
    ]


def _backfill(conn: Connection[Any], *, case_number: str, account_id: str, from_entry: int) -> int:
    added = 0
    for facts, recorded_at in _entry_facts(conn, case_number, from_entry):
        recipients = resolve_recipients(
            conn,
            case_number,
            facts.entry_number,
            account_id=account_id,
            subscribed_before=recorded_at,
        )
        added += add_notices(conn, facts, recipients)
    if added:
        log.info(
            "notices added for entries recorded earlier",
            extra={"case_number": case_number, "account_id": account_id, "notices": added},
        )
    return added


def backfill_account(conn: Connection[Any], account_id: str) -> int:
    """Notices for an account notify learns of after entries naming it were recorded."""
    cases = conn.execute(
        "SELECT case_number, min(since_entry) FROM ("
        " SELECT case_number, since_entry FROM case_counsel WHERE account_id = %(a)s"
        " UNION ALL SELECT case_number, 0 FROM subscriptions WHERE account_id = %(a)s"
        ") AS mine GROUP BY case_number",
        {"a": account_id},
    ).fetchall()
    return sum(
        _backfill(conn, case_number=case_number, account_id=account_id, from_entry=since)
        for case_number, since in cases
    )


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
