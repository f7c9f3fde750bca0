"""Sealing a docket entry (court staff): its text and documents become court-staff only."""

from __future__ import annotations

import logging
from typing import Any

from psycopg import Connection

from services.common.clock import Clock, system_clock
from services.common.errors import CourtError
from services.common.principal import Principal
from services.docket import events, metrics, store
from services.docket.models import CaseRecord, EntryRecord
from services.docket.sheet import find_case

log = logging.getLogger(__name__)


def seal_entry(
    conn: Connection[Any],
    *,
    case_number: str,
    entry_number: int,
    clerk: Principal,
    clock: Clock = system_clock,
) -> tuple[CaseRecord, EntryRecord]:
    """Seal the entry (→ ``docket.entry_sealed`` with its document ids). Sealing a sealed
    entry changes nothing and announces nothing."""
    if entry_number < 1:
        raise CourtError(
            "validation_failed", "entry numbers start at 1", details={"field": "entry_number"}
        )
    case = find_case(conn, case_number)
    entry = store.entry(conn, case.case_id, entry_number, lock=True)
    if entry is None:
        raise CourtError("not_found", f"case {case.case_number} has no entry {entry_number}")
    if entry.sealed:
        return case, entry
    now = clock.now()
    sealed = store.seal(conn, case.case_id, entry_number, by=clerk.account_id, at=now)
    events.entry_sealed(conn, case, sealed, by=clerk.account_id, at=now)
    metrics.ENTRIES_SEALED.inc()
    log.info(
        "entry sealed",
        extra={"case_number": case.case_number, "entry_number": entry_number},
    )
    return case, sealed
