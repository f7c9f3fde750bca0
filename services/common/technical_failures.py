"""Technical failures: the court's unscheduled outages, as the filing rules treat them.

Two rules, both pure functions, stated once:

- ``outage_runs``: from the platform's own observations of whether filing worked (health
  probes of the services a filing needs, refusals), the runs of failure longer than a
  threshold. A run starts at the first failing observation and ends at the next good one, or
  where the maintenance window begins: what fails during maintenance is the window, never a
  technical failure. A run still going on is not proposed until it ends.
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


@dataclass(frozen=True)
class Observation:
    at: datetime
    ok: bool  # filing worked (every service it needs answered)
    in_maintenance: bool = False
    what: str = ""  # what failed, e.g. "filing, access"


@dataclass(frozen=True)
class Run:
    started_at: datetime
    ended_at: datetime
    unavailable: str  # the services seen failing during the run, comma-separated

    @property
    def length(self) -> timedelta:
        return self.ended_at - self.started_at


def outage_runs(observations: Iterable[Observation], *, threshold: timedelta) -> list[Run]:
    """Closed runs of failure at least ``threshold`` long, oldest first."""
    runs: list[Run] = []
    start: datetime | None = None
    failing: list[str] = []
    for seen in sorted(observations, key=lambda o: o.at):
        if seen.in_maintenance or seen.ok:
            if start is not None:
                run = Run(start, seen.at, ", ".join(dict.fromkeys(failing)) or "filing")
                if run.length >= threshold:
                    runs.append(run)
            start, failing = None, []
            continue
        if start is None:
            start = seen.at
        failing += [part.strip() for part in seen.what.split(",") if part.strip()]
    return runs


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
