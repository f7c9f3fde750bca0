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


def parse_case_number(case_number: str) -> tuple[Series, int]:
    """The series and sequence a case number occupies (``21-70123`` → legacy 21, 123), so an
    imported number can be reserved and never drawn again. Numbers above 70000 are the legacy
    CM/ECF series whatever the year (CM/ECF numbered agency petitions there too)."""
    year_text, _, number_text = case_number.strip().partition("-")
    if not (year_text.isdigit() and len(year_text) == 2 and number_text.isdigit()):
        raise ValueError(f"{case_number!r} is not a case number like 26-1234")
    year, number = int(year_text), int(number_text)
    if number < 1:
        raise ValueError("case sequences start at 1")
    if number > LEGACY_BASE:
        return Series(name="legacy", year=year), number - LEGACY_BASE
    return Series(name="acms", year=year), number
