"""Opening a case from a petition for review: its number, counsel, and entries 1 and 2."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg import Connection

from services.common.clock import Clock, court_time, system_clock
from services.common.enums import UNSPECIFIED, case_type_name
from services.common.errors import PermanentEventError
from services.docket import events, metrics, store
from services.docket.case_numbers import format_case_number, series_for
from services.docket.entries import (
    append,
    docket_text,
    filer_account_of,
    filing_id_of,
    new_entry_from,
    one_line,
    received_at_of,
)
from services.docket.models import (
    CLERK_OF_COURT,
    COURT_ENTRY,
    PARTY_ROLE_NAMES,
    CaseRecord,
    CounselRecord,
    NewEntry,
)

log = logging.getLogger(__name__)
CASE_TYPE_LABELS = {
    "immigration": "Immigration",
    "social_security": "Social Security",
    "agency": "Agency",
    "civil": "Civil",
    "criminal": "Criminal",
}


def parties_of(filing: events_pb2.FilingSubmitted) -> list[dict[str, str]]:
    return [
        {"name": one_line(p.name, 300), "role": PARTY_ROLE_NAMES.get(p.role, "unspecified")}
        for p in filing.parties
        if p.name.strip()
    ]


def petitioners(parties: list[dict[str, str]]) -> str:
    """Whom the petitioner's counsel represents: the petitioners, else the first party."""
    named = [p["name"] for p in parties if p["role"] == "petitioner"] or [
        p["name"] for p in parties[:1]
    ]
    return "; ".join(named) or "Petitioner"


def title_of(filing: events_pb2.FilingSubmitted, parties: list[dict[str, str]]) -> str:
    title = one_line(filing.title, 500)
    if title:
        return title
    respondents = [p["name"] for p in parties if p["role"] == "respondent"]
    if parties and respondents:
        return f"{petitioners(parties)} v. {'; '.join(respondents)}"
    return f"In re {petitioners(parties)}"


def petition_text(filing: events_pb2.FilingSubmitted, parties: list[dict[str, str]]) -> str:
    """`PETITION FOR REVIEW filed by Ada Lovelace for Maria Lopez. <description>.`"""
    text = docket_text("petition_for_review", filer=filing.filer_name, description="")
    text = f"{text.removesuffix('.')} for {petitioners(parties)}."
    description = one_line(filing.description).rstrip(".")
    return f"{text} {description}." if description else text


def opening_notice(case: CaseRecord, counsel: CounselRecord | None, tz: ZoneInfo) -> str:
    """The court's case-opening entry, as ACMS dockets it after the petition."""
    received = court_time(case.opened_at, tz).local_date
    text = (
        f"Docketed case {case.case_number}, {case.title}: "
        f"{CASE_TYPE_LABELS[case.case_type].lower()} petition for review received {received}."
    )
    if counsel is not None:
        firm = f" ({counsel.firm})" if counsel.firm else ""
        text += f" Counsel of record: {counsel.name}{firm} for {counsel.party_name}."
    return text


def open_case(
    conn: Connection[Any],
    filing: events_pb2.FilingSubmitted,
    *,
    clock: Clock = system_clock,
    tz: ZoneInfo,
) -> CaseRecord | None:
    """Open the case a petition asks for (→ ``docket.case_opened``, then
    ``docket.entry_recorded`` for entries 1 and 2, in this transaction).

    Returns the case, or None when this petition already opened one.
    """
    filing_id = filing_id_of(filing)
    # One transaction at a time per petition: a duplicate waits, then finds the case.
    # (The two-key form: a lock space apart from the single-key locks of migrations and relay.)
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('docket.petition'), hashtext(%s))", [filing_id]
    )
    existing = store.case_opened_by(conn, filing_id)
    if existing is not None:
        log.info(
            "petition already opened a case",
            extra={"filing_id": filing_id, "case_number": existing.case_number},
        )
        return None
    case_type = case_type_name(filing.case_type)
    if case_type == UNSPECIFIED:
        raise PermanentEventError(f"petition {filing_id} names no case type")
    received_at = received_at_of(filing)
    parties = parties_of(filing)
    series = series_for(received_at, case_type, tz)
    case_number = format_case_number(series, store.next_case_sequence(conn, series))
    case = store.insert_case(
        conn,
        case_number=case_number,
        title=title_of(filing, parties),
        case_type=case_type,
        opened_at=received_at,
        parties=parties,
        opening_filing_id=filing_id,
        origin_agency=filing.origin_agency,
        alien_number=filing.alien_number,
    )
    now = clock.now()
    counsel: CounselRecord | None = None
    filer = filer_account_of(filing)
    if filer is not None:
        counsel = store.upsert_counsel(
            conn,
            case_id=case.case_id,
            account_id=filer,
            name=one_line(filing.filer_name, 200),
            firm=one_line(filing.filer_firm, 200),
            party_name=petitioners(parties),
            entry_number=1,
            added_at=now,
        )
    events.case_opened(conn, case, counsel=[counsel] if counsel else [], filing_id=filing_id, tz=tz)
    text = petition_text(filing, parties)
    case, petition = append(conn, case, new_entry_from(filing, text=text), now=now)
    events.entry_recorded(conn, case, petition, tz=tz)
    notice = NewEntry(
        filing_type=COURT_ENTRY,
        filing_id=None,
        filed_at=now,
        text=opening_notice(case, counsel, tz),
        filer_name=CLERK_OF_COURT,
        filer_account_id=None,
        documents=[],
    )
    case, opening = append(conn, case, notice, now=now)
    events.entry_recorded(conn, case, opening, tz=tz)
    metrics.CASES_OPENED.labels(case_type).inc()
    log.info("case opened", extra={"case_number": case_number, "filing_id": filing_id})
    return case
