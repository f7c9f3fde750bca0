"""Technical failures: the court's unscheduled outages, as the filing rules treat them.

Two rules, both pure functions, stated once:

- ``outage_runs``: from the platform's own observations of whether filing worked, the
  periods of failure longer than a threshold. Two kinds of observation, each read as its own
  stream, then joined:
  * health (auth's probe, every few seconds, ok or not): a run starts at the first failing
    probe and ends at the next good one;
  * refusals (the edge answered 503 ``unavailable`` to a filing, docket or document request;
    the edge also reports the first success after its refusals, the "recovery"): a run
    starts at the first refusal and ends at the next recovery, or at the last refusal once
    none came for ``quiet`` (by default the threshold: refusals come only when someone tries,
    so two refusals a few minutes apart with no success between are one outage).
  Either run ends where the maintenance window begins: what fails during maintenance is the
  window, never a technical failure. Runs of both kinds that overlap or lie within ``join`` of
  each other are one outage (one proposal, not one per refusal or per probe); an outage with a
  run still going on is not proposed until every part of it has ended.
- ``covers``: whether a filing received at a time is "during or just after" an outage, so its
  receipt says so: from the outage's start until the end of the ``grace_days``-th court-local
  day after the day it ended (by default the next day: a filing made the day after a
  technical failure is what the rules expect of a filer the failure stopped).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

HEALTH = "health"
REFUSAL = "refusal"


@dataclass(frozen=True)
class Observation:
    at: datetime
    ok: bool  # filing worked (every service it needs answered; for refusals: the recovery)
    in_maintenance: bool = False
    what: str = ""  # what failed, e.g. "filing, access"
    source: str = HEALTH  # HEALTH (auth's probe) or REFUSAL (the edge's 503s)


@dataclass(frozen=True)
class Run:
    started_at: datetime
    ended_at: datetime
    unavailable: str  # the services seen failing during the run, comma-separated

    @property
    def length(self) -> timedelta:
        return self.ended_at - self.started_at


@dataclass
class _Part:
    started_at: datetime
    ended_at: datetime
    failing: list[str]
    closed: bool


def _runs(observations: list[Observation], *, quiet: timedelta | None) -> list[_Part]:
    """Runs of failures, each ended by a recovery or the window (where it was seen) or, with
    ``quiet``, by a silence longer than that (at its last failure). Health checks come at a
    steady pace, so their runs have no silence rule; refusals come only with traffic."""
    parts: list[_Part] = []
    current: _Part | None = None
    for seen in observations:
        silence = quiet is not None and current is not None and seen.at - current.ended_at > quiet
        if current is not None and silence:
            current.closed = True  # a silence: the earlier run ended at its last refusal
            parts.append(current)
            current = None
        if seen.in_maintenance or seen.ok:
            if current is not None:
                # A recovery ends the run where it was seen; the window ends it where it began.
                current.ended_at, current.closed = seen.at, True
                parts.append(current)
            current = None
        elif current is None:
            current = _Part(seen.at, seen.at, _names(seen.what), closed=False)
        else:
            current.ended_at = seen.at
            current.failing += _names(seen.what)
    return parts + ([current] if current else [])


def _names(what: str) -> list[str]:
    return [part.strip() for part in what.split(",") if part.strip()]


def outage_runs(
    observations: Iterable[Observation],
    *,
    threshold: timedelta,
    quiet: timedelta | None = None,
    join: timedelta = timedelta(0),
    now: datetime | None = None,
) -> list[Run]:
    """Closed outages at least ``threshold`` long, oldest first (see the module's rule).

    ``now`` (default: the latest observation) closes a refusal run silent for ``quiet``.
    """
    ordered = sorted(observations, key=lambda o: o.at)
    if not ordered:
        return []
    quiet = threshold if quiet is None else quiet
    now = now or ordered[-1].at
    health = _runs([o for o in ordered if o.source != REFUSAL or o.in_maintenance], quiet=None)
    refusals = _runs([o for o in ordered if o.source == REFUSAL or o.in_maintenance], quiet=quiet)
    for part in refusals:
        if not part.closed and now - part.ended_at > quiet:
            part.closed = True
    runs: list[Run] = []
    group: _Part | None = None
    for part in sorted(health + refusals, key=lambda p: p.started_at):
        if group is not None and part.started_at <= group.ended_at + join:
            group.ended_at = max(group.ended_at, part.ended_at)
            group.failing += part.failing
            group.closed = group.closed and part.closed
            continue
        if group is not None:
            runs += _proposable(group, threshold)
        group = _Part(part.started_at, part.ended_at, list(part.failing), part.closed)
    if group is not None:
        runs += _proposable(group, threshold)
    return runs


def _proposable(group: _Part, threshold: timedelta) -> list[Run]:
    run = Run(group.started_at, group.ended_at, ", ".join(dict.fromkeys(group.failing)) or "filing")
    return [run] if group.closed and run.length >= threshold else []


def grace_end(ended_at: datetime, *, tz: ZoneInfo, grace_days: int) -> datetime:
    """The end (exclusive) of the last court-local day a filing counts as "just after"."""
    last_day = ended_at.astimezone(tz).date() + timedelta(days=grace_days)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)


def covers(
    *,
    started_at: datetime,
    ended_at: datetime,
    received_at: datetime,
    tz: ZoneInfo,
    grace_days: int,
) -> bool:
    """A filing received at ``received_at`` was received during or just after the outage."""
    return started_at <= received_at < grace_end(ended_at, tz=tz, grace_days=grace_days)
