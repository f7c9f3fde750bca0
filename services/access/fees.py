"""PACER fees: $0.10 a page, capped at $3.00 (30 pages) a document; quarters and the waiver."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from services.common.clock import court_time
from services.common.errors import CourtError

CENTS_PER_PAGE = 10
CAP_CENTS = 300  # 30 pages
# PACER waives a quarter's fees when they total $30 or less.
QUARTER_WAIVER_CENTS = 3000

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def page_fee_cents(pages: int) -> int:
    """The fee for viewing a document of ``pages`` pages."""
    return min(max(pages, 0) * CENTS_PER_PAGE, CAP_CENTS)


def quarter_of(when: datetime, tz: ZoneInfo) -> str:
    """The court-local calendar quarter of an instant, as ``YYYY-Qn``."""
    local = court_time(when, tz).local
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def parse_quarter(value: str, *, now: datetime, tz: ZoneInfo) -> str:
    """A requested quarter (``YYYY-Qn``), or the current one when empty."""
    value = value.strip().upper()
    if not value:
        return quarter_of(now, tz)
    match = _QUARTER.match(value)
    if not match or not 1990 <= int(match.group(1)) <= 9999:
        raise CourtError(
            "validation_failed",
            "quarter: use the form YYYY-Qn, e.g. 2026-Q1",
            details={"field": "quarter"},
        )
    return value


def waived(quarter_total_cents: int) -> bool:
    return quarter_total_cents <= QUARTER_WAIVER_CENTS
