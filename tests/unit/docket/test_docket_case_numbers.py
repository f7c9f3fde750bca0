"""Case numbers: ACMS `YY-N` per court-local year; legacy `YY-7NNNN` for old immigration."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.docket.case_numbers import (
    Series,
    format_case_number,
    parse_case_number,
    series_for,
)

COURT_TZ = ZoneInfo("America/Los_Angeles")  # the default court zone (Settings)


def test_acms_numbers_count_per_court_local_year() -> None:
    received = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    series = series_for(received, "immigration", COURT_TZ)
    assert series == Series(name="acms", year=26)
    assert [format_case_number(series, n) for n in (1, 2, 1234)] == ["26-1", "26-2", "26-1234"]


def test_the_year_is_the_court_local_year_of_receipt() -> None:
    # 2027-01-01 07:59:59 UTC is still New Year's Eve 2026 in Pacific time.
    new_years_eve = datetime(2027, 1, 1, 7, 59, 59, tzinfo=UTC)
    assert series_for(new_years_eve, "agency", COURT_TZ).year == 26
    assert series_for(datetime(2027, 1, 1, 8, 0, 0, tzinfo=UTC), "agency", COURT_TZ).year == 27


def test_immigration_petitions_before_acms_keep_the_legacy_form() -> None:
    # 2021-04-30 23:59:59 Pacific (PDT) is 2021-05-01 06:59:59 UTC: still before ACMS.
    last_legacy = datetime(2021, 4, 30, 23, 59, 59, tzinfo=COURT_TZ)
    series = series_for(last_legacy, "immigration", COURT_TZ)
    assert series == Series(name="legacy", year=21)
    assert format_case_number(series, 123) == "21-70123"
    assert format_case_number(series, 1) == "21-70001"
    first_acms = datetime(2021, 5, 1, 0, 0, 0, tzinfo=COURT_TZ)
    assert series_for(first_acms, "immigration", COURT_TZ) == Series(name="acms", year=21)


def test_only_immigration_petitions_take_the_legacy_form() -> None:
    old = datetime(2019, 6, 1, 12, 0, tzinfo=UTC)
    assert series_for(old, "agency", COURT_TZ) == Series(name="acms", year=19)
    assert format_case_number(series_for(old, "immigration", COURT_TZ), 5) == "19-70005"


def test_naive_times_and_zero_sequences_are_refused() -> None:
    with pytest.raises(ValueError):
        series_for(datetime(2026, 1, 1), "agency", COURT_TZ)
    with pytest.raises(ValueError):
        format_case_number(Series("acms", 26), 0)


@pytest.mark.parametrize(
    ("number", "series", "sequence"),
    [
        ("24-1234", Series(name="acms", year=24), 1234),
        ("26-1", Series(name="acms", year=26), 1),
        ("21-70123", Series(name="legacy", year=21), 123),
        ("19-70001", Series(name="legacy", year=19), 1),
    ],
)
def test_an_imported_number_names_the_sequence_it_occupies(
    number: str, series: Series, sequence: int
) -> None:
    assert parse_case_number(number) == (series, sequence)
    # The round trip: drawing that sequence would give the same number.
    assert format_case_number(series, sequence) == number


@pytest.mark.parametrize("bad", ["", "2024-1", "24-", "24-0", "ab-12", "24-12a"])
def test_a_malformed_number_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_case_number(bad)
