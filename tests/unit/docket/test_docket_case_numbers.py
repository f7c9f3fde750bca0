"""Case numbers: ACMS `YY-N` per court-local year; legacy `YY-7NNNN` for old immigration."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.clock import COURT_TZ
from services.common.errors import CourtError
from services.docket.case_numbers import (
    Series,
    check_case_number,
    format_case_number,
    is_case_number,
    series_for,
)


def test_acms_numbers_count_per_court_local_year() -> None:
    received = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    series = series_for(received, "immigration")
    assert series == Series(name="acms", year=26)
    assert [format_case_number(series, n) for n in (1, 2, 1234)] == ["26-1", "26-2", "26-1234"]


def test_the_year_is_the_court_local_year_of_receipt() -> None:
    # 2027-01-01 07:59:59 UTC is still New Year's Eve 2026 in Pacific time.
    new_years_eve = datetime(2027, 1, 1, 7, 59, 59, tzinfo=UTC)
    assert series_for(new_years_eve, "agency").year == 26
    assert series_for(datetime(2027, 1, 1, 8, 0, 0, tzinfo=UTC), "agency").year == 27


def test_immigration_petitions_before_acms_keep_the_legacy_form() -> None:
    # 2021-04-30 23:59:59 Pacific (PDT) is 2021-05-01 06:59:59 UTC: still before ACMS.
    last_legacy = datetime(2021, 4, 30, 23, 59, 59, tzinfo=COURT_TZ)
    series = series_for(last_legacy, "immigration")
    assert series == Series(name="legacy", year=21)
    assert format_case_number(series, 123) == "21-70123"
    assert format_case_number(series, 1) == "21-70001"
    first_acms = datetime(2021, 5, 1, 0, 0, 0, tzinfo=COURT_TZ)
    assert series_for(first_acms, "immigration") == Series(name="acms", year=21)


def test_only_immigration_petitions_take_the_legacy_form() -> None:
    old = datetime(2019, 6, 1, 12, 0, tzinfo=UTC)
    assert series_for(old, "agency") == Series(name="acms", year=19)
    assert format_case_number(series_for(old, "immigration"), 5) == "19-70005"


def test_naive_times_and_zero_sequences_are_refused() -> None:
    with pytest.raises(ValueError):
        series_for(datetime(2026, 1, 1), "agency")
    with pytest.raises(ValueError):
        format_case_number(Series("acms", 26), 0)


@pytest.mark.parametrize("value", ["26-1", "26-1234", "21-70123", " 26-7 "])
def test_well_formed_case_numbers(value: str) -> None:
    assert check_case_number(value) == value.strip()


@pytest.mark.parametrize("value", ["", "26", "2026-1", "26-", "ab-12", "26-1234567", "26-1;--"])
def test_garbage_is_a_validation_failure_before_any_lookup(value: str) -> None:
    assert not is_case_number(value.strip())
    with pytest.raises(CourtError) as raised:
        check_case_number(value)
    assert raised.value.code == "validation_failed"
