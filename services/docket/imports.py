"""Importing a case from ACMS (``openecf import acms``): one transaction per case.

The case keeps its number, type and entry numbers (gaps and all); new entries continue after
the highest, and the number's series is moved past it so a new case never draws it. Counsel
whose e-mail address belongs to an attorney's account here become counsel of record (they may
file and receive NDAs from now on); the others stay in the party list as ACMS named them.

Events: ``docket.case_opened`` only (with that counsel), so filing, access and notify know the
case; imported entries publish nothing, so nobody is sent an NDA for the past. Importing a
case that was imported before changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from services.common.clock import Clock, system_clock
from services.common.errors import CourtError
from services.docket import events, store
from services.docket.acms import AcmsCase
from services.docket.case_numbers import parse_case_number
from services.docket.models import COURT_ENTRY, CounselRecord, NewEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attorney:
    """An attorney's account here, found by the e-mail address in ACMS's party table."""

    account_id: str
    name: str
    firm: str


@dataclass(frozen=True)
class ImportOutcome:
    case_number: str
    imported: bool  # False: imported before, nothing changed
    entries: int
    counsel: int  # counsel of record made from the table
    unmatched: list[str]  # counsel named in the table with no account here


def import_case(
    conn: Connection[Any],
    case: AcmsCase,
    *,
    attorneys: dict[str, Attorney],
    clock: Clock = system_clock,
    tz: ZoneInfo,
) -> ImportOutcome:
    """Write ``case`` (already checked) in the caller's transaction."""
    # Two imports of one case wait for each other; the second finds it imported.
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('docket.import'), hashtext(%s))",
        [case.case_number],
    )
    existing = store.case_by_number(conn, case.case_number, lock=True)
    if existing is not None:
        if not existing.imported:
            raise CourtError(
                "duplicate",
                f"case {case.case_number} was opened here, not imported: not overwritten",
            )
        log.info("case already imported", extra={"case_number": case.case_number})
        return ImportOutcome(case.case_number, False, 0, 0, [])

    series, sequence = parse_case_number(case.case_number)
    store.reserve_case_sequence(conn, series, sequence)
    now = clock.now()
    record = store.insert_imported_case(
        conn,
        case_number=case.case_number,
        title=case.title,
        case_type=case.case_type,
        case_subtype=case.case_subtype,
        fee_status=case.fee_status,
        opened_at=case.opened_at,
        parties=parties_json(case),
        origin_agency=case.origin,
        alien_number=case.alien_number,
        last_entry_number=max((e.number for e in case.entries), default=0),
        imported_at=now,
    )
    for entry in case.entries:
        store.insert_entry(
            conn,
            case_id=record.case_id,
            number=entry.number,
            entry=NewEntry(
                filing_type=COURT_ENTRY,
                filing_id=None,
                filed_at=entry.filed_at,
                text=entry.text,
                filer_name="",
                filer_account_id=None,
                documents=[],
            ),
            entered_at=entry.entered_at,
        )
    sealed = [e.number for e in case.entries if case.sealed or e.restricted]
    if sealed:
        store.seal_imported(conn, record.case_id, sealed, at=now)

    counsel, unmatched = _counsel(conn, case, record.case_id, attorneys, now=now)
    events.case_opened(conn, record, counsel=counsel, filing_id="", tz=tz)
    log.info(
        "case imported from ACMS",
        extra={"case_number": case.case_number, "entries": len(case.entries)},
    )
    return ImportOutcome(case.case_number, True, len(case.entries), len(counsel), unmatched)


def parties_json(case: AcmsCase) -> list[dict[str, Any]]:
    """The party list as docket keeps it, with ACMS's counsel for the record (never shown
    publicly: the case view shows counsel of record only)."""
    return [
        {
            "name": party.name,
            "role": party.role,
            "acms_counsel": [
                {"name": a.name, "firm": a.firm, "email": a.email} for a in party.attorneys
            ],
        }
        for party in case.parties
    ]


def _counsel(
    conn: Connection[Any],
    case: AcmsCase,
    case_id: int,
    attorneys: dict[str, Attorney],
    *,
    now: Any,
) -> tuple[list[CounselRecord], list[str]]:
    represented: dict[str, list[str]] = {}  # account id → the parties, in table order
    found: dict[str, Attorney] = {}
    unmatched: list[str] = []
    for party in case.parties:
        for named in party.attorneys:
            attorney = attorneys.get(named.email) if named.email else None
            if attorney is None:
                unmatched.append(named.name)
                continue
            found[attorney.account_id] = attorney
            parties = represented.setdefault(attorney.account_id, [])
            if party.name not in parties:
                parties.append(party.name)
    first_entry = case.entries[0].number if case.entries else 0
    counsel = [
        store.upsert_counsel(
            conn,
            case_id=case_id,
            account_id=account_id,
            name=found[account_id].name,
            firm=found[account_id].firm,
            party_name="; ".join(parties),
            entry_number=first_entry,
            added_at=now,
        )
        for account_id, parties in represented.items()
    ]
    return counsel, sorted(set(unmatched))
