from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.common.clock import FixedClock, court_time

COURT_TZ = ZoneInfo("America/Los_Angeles")  # the default court zone (Settings)


def test_a_filing_at_235959_pacific_is_filed_that_day() -> None:
    # 2026-01-15 23:59:59 PST is 2026-01-16 07:59:59 UTC.
    when = court_time(datetime(2026, 1, 16, 7, 59, 59, tzinfo=UTC), COURT_TZ)
    assert when.local_date == "2026-01-15"
    assert when.local.tzname() == "PST"
    assert court_time(when.utc + timedelta(seconds=1), COURT_TZ).local_date == "2026-01-16"


def test_summer_is_pdt() -> None:
    when = court_time(datetime(2026, 7, 1, 6, 59, 59, tzinfo=UTC), COURT_TZ)
    assert (when.local_date, when.local.tzname()) == ("2026-06-30", "PDT")
    assert when.local_label.endswith("11:59 PM PDT")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        court_time(datetime(2026, 1, 1), COURT_TZ)
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 1, 1))


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 3, 8, 9, 0, tzinfo=UTC))
    assert clock.now() == clock.now()
    clock.advance(timedelta(days=15))
    assert clock.now() == datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
