"""``openecf maintenance next``: the next windows in Pacific time and UTC (no database)."""

from __future__ import annotations

import pytest

from services.cli.main import main
from services.common.settings import get_settings


@pytest.fixture(autouse=True)
def default_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAINTENANCE_DAY", "MAINTENANCE_START", "MAINTENANCE_HOURS", "COURT_TIMEZONE"):
        monkeypatch.delenv(f"OPENECF_{name}", raising=False)
    get_settings.cache_clear()


def test_next_across_the_spring_change(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["maintenance", "next", "--after", "2026-03-06T12:00", "--count", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "next maintenance windows (every Saturday 00:00 for 5 h, America/Los_Angeles):",
        "  Pacific  Sat 2026-03-07 00:00 PST to Sat 2026-03-07 05:00 PST",
        "  UTC      Sat 2026-03-07 08:00 UTC to Sat 2026-03-07 13:00 UTC",
        "  Pacific  Sat 2026-03-14 00:00 PDT to Sat 2026-03-14 05:00 PDT",
        "  UTC      Sat 2026-03-14 07:00 UTC to Sat 2026-03-14 12:00 UTC",
    ]


def test_next_across_the_fall_change(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["maintenance", "next", "--after", "2026-10-31T05:00:00-07:00"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "  Pacific  Sat 2026-11-07 00:00 PST to Sat 2026-11-07 05:00 PST",
        "  UTC      Sat 2026-11-07 08:00 UTC to Sat 2026-11-07 13:00 UTC",
    ]


def test_the_schedule_follows_the_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENECF_MAINTENANCE_DAY", "6")
    monkeypatch.setenv("OPENECF_MAINTENANCE_START", "22:00")
    monkeypatch.setenv("OPENECF_MAINTENANCE_HOURS", "2.5")
    get_settings.cache_clear()
    try:
        assert main(["maintenance", "next", "--after", "2026-07-06T00:00"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "  Pacific  Sun 2026-07-12 22:00 PDT to Mon 2026-07-13 00:30 PDT"


def test_a_bad_after_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["maintenance", "next", "--after", "someday"]) == 2
    assert "--after: 'someday' is neither a duration" in capsys.readouterr().err
