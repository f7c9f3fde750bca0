"""Technical failures, owned by auth beside the maintenance state: record, propose, decide, list.

An administrator records an outage (confirmed at once), or confirms or dismisses one the
platform proposed. Proposals come from ``availability_observations`` (written by the probe in
``availability.py``) through the pure rule ``services.common.technical_failures.outage_runs``.
Nobody else needs to be told: the edge reads the confirmed ones to publish them and to note
them on receipts, so there is no event.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row

from services.common.errors import CourtError
from services.common.technical_failures import REFUSAL, Observation, outage_runs
from services.common.text import clean

log = logging.getLogger(__name__)

MAX_LENGTH = timedelta(days=31)
MAX_UNAVAILABLE = 200
MAX_NOTE = 2000
KEEP_OBSERVATIONS = timedelta(days=30)
# The proposal job looks this far back: long enough for a weekend outage noticed on Monday.
LOOKBACK = timedelta(days=7)
# Failing periods closer than this are one outage (a probe interval or two apart).
DEFAULT_JOIN = timedelta(minutes=1)
_COLUMNS = "failure_id::text, status, started_at, ended_at, unavailable, note, source, decided_at"


@dataclass(frozen=True)
class TechnicalFailure:
    failure_id: str
    status: str  # proposed | confirmed | dismissed
    started_at: datetime
    ended_at: datetime
    unavailable: str
    note: str
    source: str  # admin | observed
    decided_at: datetime | None


def _checked(
    *, started_at: datetime, ended_at: datetime, unavailable: str, note: str, now: datetime
) -> tuple[str, str]:
    if ended_at <= started_at:
        raise CourtError(
            "validation_failed", "ended_at must be after started_at", details={"field": "ended_at"}
        )
    if ended_at > now + timedelta(minutes=5):
        raise CourtError(
            "validation_failed",
            "ended_at is in the future: record an outage once it is over",
            details={"field": "ended_at"},
        )
    if ended_at - started_at > MAX_LENGTH:
        raise CourtError(
            "validation_failed",
            "an outage longer than 31 days is not a technical failure to record here",
            details={"field": "started_at"},
        )
    return (
        clean(unavailable, field="unavailable", max_length=MAX_UNAVAILABLE, required=True),
        clean(note, field="note", max_length=MAX_NOTE, required=False, multiline=True),
    )


def _one_writer(conn: Connection[Any]) -> None:
    """Recording and proposing take turns (until the transaction ends)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('auth.technical_failures'))")


def record(
    conn: Connection[Any],
    *,
    started_at: datetime,
    ended_at: datetime,
    unavailable: str,
    note: str,
    admin_id: str | None,
    now: datetime,
) -> TechnicalFailure:
    """An administrator's record of an outage: confirmed from the start."""
    unavailable, note = _checked(
        started_at=started_at, ended_at=ended_at, unavailable=unavailable, note=note, now=now
    )
    # The same record twice (a double click, a retried request) would be two outages on the
    # public list: refused, naming the first.
    _one_writer(conn)
    same = conn.execute(
        "SELECT failure_id FROM technical_failures WHERE status <> 'dismissed'"
        " AND started_at = %s AND ended_at = %s AND unavailable = %s AND note = %s",
        [started_at, ended_at, unavailable, note],
    ).fetchone()
    if same is not None:
        raise CourtError(
            "duplicate",
            f"this outage is recorded already ({same[0]})",
            details={"failure_id": str(same[0])},
        )
    cursor = conn.cursor(row_factory=class_row(TechnicalFailure))
    row = cursor.execute(
        "INSERT INTO technical_failures (failure_id, status, started_at, ended_at, unavailable,"
        " note, source, created_at, decided_by, decided_at)"
        " VALUES (%s, 'confirmed', %s, %s, %s, %s, 'admin', %s, %s, %s)"
        f" RETURNING {_COLUMNS}",
        [uuid.uuid4(), started_at, ended_at, unavailable, note, now, admin_id, now],
    ).fetchone()
    assert row is not None
    log.info("technical failure recorded", extra={"failure_id": row.failure_id})
    return row


def decide(
    conn: Connection[Any],
    *,
    failure_id: str,
    confirm: bool,
    unavailable: str,
    note: str,
    admin_id: str | None,
    now: datetime,
) -> TechnicalFailure:
    """Confirm (optionally correcting what was unavailable and the note) or dismiss a proposal."""
    try:
        key = uuid.UUID(failure_id)
    except ValueError:
        raise CourtError("not_found", "no such technical failure") from None
    cursor = conn.cursor(row_factory=class_row(TechnicalFailure))
    found = cursor.execute(
        f"SELECT {_COLUMNS} FROM technical_failures WHERE failure_id = %s FOR UPDATE", [key]
    ).fetchone()
    if found is None:
        raise CourtError("not_found", "no such technical failure")
    if found.status != "proposed":
        raise CourtError("already_decided", f"this technical failure was {found.status} already")
    unavailable = clean(
        unavailable or found.unavailable,
        field="unavailable",
        max_length=MAX_UNAVAILABLE,
        required=True,
    )
    note = clean(note or found.note, field="note", max_length=MAX_NOTE, required=False)
    row = cursor.execute(
        "UPDATE technical_failures SET status = %s, unavailable = %s, note = %s,"
        " decided_by = %s, decided_at = %s WHERE failure_id = %s"
        f" RETURNING {_COLUMNS}",
        ["confirmed" if confirm else "dismissed", unavailable, note, admin_id, now, key],
    ).fetchone()
    assert row is not None
    log.info(
        "technical failure decided",
        extra={"failure_id": row.failure_id, "status": row.status},
    )
    return row


def listing(
    conn: Connection[Any], *, include_proposed: bool, limit: int = 200
) -> list[TechnicalFailure]:
    """Confirmed outages (and, for administrators, every other), newest first."""
    cursor = conn.cursor(row_factory=class_row(TechnicalFailure))
    return cursor.execute(
        f"SELECT {_COLUMNS} FROM technical_failures"
        + ("" if include_proposed else " WHERE status = 'confirmed'")
        + " ORDER BY started_at DESC LIMIT %s",
        [limit],
    ).fetchall()


# -- observations and proposals --------------------------------------------------------------


def observe(conn: Connection[Any], seen: Observation) -> None:
    conn.execute(
        "INSERT INTO availability_observations (observed_at, ok, in_maintenance, what, source)"
        " VALUES (%s, %s, %s, %s, %s)",
        [seen.at, seen.ok, seen.in_maintenance, seen.what[:500], seen.source],
    )
    conn.execute(
        "DELETE FROM availability_observations WHERE observed_at < %s",
        [seen.at - KEEP_OBSERVATIONS],
    )


def observe_refusal(
    conn: Connection[Any],
    *,
    at: datetime,
    refused: bool,
    what: str,
    in_maintenance: bool,
) -> None:
    """The edge's report: a 503 ``unavailable`` answered to ``what`` (filing, docket,
    documents), or (``refused`` false) the first success after such refusals."""
    observe(conn, Observation(at, not refused, in_maintenance, what if refused else "", REFUSAL))


def propose(
    conn: Connection[Any],
    *,
    threshold: timedelta,
    now: datetime,
    join: timedelta = DEFAULT_JOIN,
) -> list[TechnicalFailure]:
    """Turn every observed outage longer than ``threshold`` (health and refusals together,
    periods within ``join`` of each other merged) into a proposal, once."""
    # One job at a time (every auth replica runs it). An outage overlapping any earlier
    # proposal (whatever became of it) is that proposal: a late observation that moves a
    # run's start never proposes it twice.
    _one_writer(conn)
    rows = conn.execute(
        "SELECT observed_at, ok, in_maintenance, what, source FROM availability_observations"
        " WHERE observed_at >= %s ORDER BY observed_at",
        [now - LOOKBACK],
    ).fetchall()
    runs = outage_runs([Observation(*row) for row in rows], threshold=threshold, join=join, now=now)
    proposed = []
    cursor = conn.cursor(row_factory=class_row(TechnicalFailure))
    for run in runs:
        row = cursor.execute(
            "INSERT INTO technical_failures (failure_id, status, started_at, ended_at,"
            " unavailable, note, source, created_at)"
            " SELECT %s, 'proposed', %s, %s, %s, '', 'observed', %s"
            " WHERE NOT EXISTS (SELECT 1 FROM technical_failures WHERE source = 'observed'"
            "  AND started_at <= %s AND ended_at >= %s)"
            " ON CONFLICT (started_at) WHERE source = 'observed' DO NOTHING"
            f" RETURNING {_COLUMNS}",
            [
                uuid.uuid4(),
                run.started_at,
                run.ended_at,
                run.unavailable,
                now,
                run.ended_at,
                run.started_at,
            ],
        ).fetchone()
        if row is not None:
            log.warning(
                "technical failure proposed",
                extra={"failure_id": row.failure_id, "minutes": run.length.total_seconds() / 60},
            )
            proposed.append(row)
    return proposed
