"""Appearances: a notice of appearance the clerk accepted makes its attorney counsel of record
(and an authorized filer) in the case."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg import Connection

from services.common.clock import Clock, system_clock
from services.common.errors import PermanentEventError
from services.docket import events, metrics, store
from services.docket.entries import (
    already_docketed,
    append,
    filer_account_of,
    lock_case_for,
    new_entry_from,
    one_line,
)
from services.docket.models import PARTY_ROLE_NAMES, CaseRecord, CounselRecord, EntryRecord

log = logging.getLogger(__name__)


def represented_party(filing: events_pb2.FilingSubmitted) -> tuple[str, str]:
    """(name, role) of the party the attorney appears for: the filing's first party, else
    its description."""
    for party in filing.parties:
        if party.name.strip():
            return one_line(party.name, 300), PARTY_ROLE_NAMES.get(party.role, "unspecified")
    return one_line(filing.description, 300).rstrip("."), "unspecified"


def wants_notices(filing: events_pb2.FilingSubmitted, existing: CounselRecord | None) -> bool:
    """The notice of appearance's "Notice" box; when the filer did not say, what the attorney
    chose before in this case, else yes."""
    if filing.HasField("receive_notices"):
        return filing.receive_notices
    return existing.notices if existing is not None else True


def with_party(case: CaseRecord, name: str, role: str) -> list[dict[str, str]] | None:
    """The case's parties plus ``name`` when it is a party not named yet (else None)."""
    if not name or role == "unspecified":
        return None
    if any(p["name"].casefold() == name.casefold() for p in case.parties):
        return None
    return [*case.parties, {"name": name, "role": role}]


def enter_appearance(
    conn: Connection[Any],
    filing: events_pb2.FilingSubmitted,
    *,
    clock: Clock = system_clock,
    tz: ZoneInfo,
) -> EntryRecord | None:
    """Record "ADDED counsel <name> for <party>" and make the filer counsel of record.

    Publishes ``docket.appearance_entered`` before that entry's ``docket.entry_recorded``,
    in the same transaction, so notify already counts the attorney among the case's counsel
    when it sends the entry's NDA: that NDA is their confirmation.
    """
    case = lock_case_for(conn, filing)
    if already_docketed(conn, filing):
        return None
    account_id = filer_account_of(filing)
    if account_id is None:
        raise PermanentEventError(f"notice of appearance {filing.filing_id} has no attorney")
    name = one_line(filing.filer_name, 200)
    party, role = represented_party(filing)
    parties = with_party(case, party, role)
    if parties is not None:
        store.set_parties(conn, case, parties)
    now = clock.now()
    existing = store.counsel_of(conn, case.case_id, account_id)
    notices = wants_notices(filing, existing)
    same_party = existing is not None and existing.party_name.casefold() == party.casefold()
    if existing is not None and same_party and existing.notices == notices:
        # Counsel of record for this party already (two notices sent at once, or again by
        # mistake): the notice is docketed, but one attorney is one counsel record.
        text = f"NOTICE OF APPEARANCE by {name}; already counsel of record."
        case, entry = append(conn, case, new_entry_from(filing, text=text), now=now)
        events.entry_recorded(conn, case, entry, tz=tz)
        return entry
    counsel = store.upsert_counsel(
        conn,
        case_id=case.case_id,
        account_id=account_id,
        name=name,
        firm=one_line(filing.filer_firm, 200),
        party_name=party,
        entry_number=case.last_entry_number + 1,
        added_at=now,
        notices=notices,
    )
    if same_party:
        text = f"NOTICE OF APPEARANCE by {name}; already counsel of record; electronic notices " + (
            "on." if notices else "off."
        )
    else:
        text = f"ADDED counsel {name} for {party}." if party else f"ADDED counsel {name}."
    case, entry = append(conn, case, new_entry_from(filing, text=text), now=now)
    events.appearance_entered(conn, case, counsel, entry, tz=tz)
    events.entry_recorded(conn, case, entry, tz=tz)
    metrics.APPEARANCES.inc()
    log.info(
        "appearance entered",
        extra={"case_number": case.case_number, "account_id": account_id},
    )
    return entry
