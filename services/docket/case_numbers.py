"""Case numbers: the ACMS form `YY-N` and, for old immigration petitions, the CM/ECF form.

ACMS numbers cases per court-local calendar year: `26-1`, `26-2`, … Immigration petitions
received before ACMS went live (2021-05-01, court-local) keep the legacy CM/ECF form
`YY-7NNNN` (agency petitions for review are numbered from 70001 each year: `21-70123`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

ACMS_START = date(2021, 5, 1)  # court-local
LEGACY_BASE = 70000


@dataclass(frozen=True)
class Series:
    """Which per-year sequence a new case draws its number from."""

    name: str  # "acms" | "legacy"
    year: int  # two digits, court-local year of receipt


def series_for(received_at: datetime, case_type: str, tz: ZoneInfo) -> Series:
    if received_at.tzinfo is None:
        raise ValueError("received_at must be an aware datetime")
    local = received_at.astimezone(tz)
    legacy = case_type == "immigration" and local.date() < ACMS_START
    return Series(name="legacy" if legacy else "acms", year=local.year % 100)


def format_case_number(series: Series, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("case sequences start at 1")
    number = LEGACY_BASE + sequence if series.name == "legacy" else sequence
    return f"{series.year:02d}-{number}"
