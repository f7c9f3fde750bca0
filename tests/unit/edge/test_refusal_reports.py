"""The edge's refusal reports: which requests count, coalescing, one recovery after refusals,
nothing during maintenance, and a report that cannot be sent never reaches the caller."""

from __future__ import annotations

import pytest

from services.edge.refusals import RefusalReporter, area_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reporter(clock: Clock, *, closed: bool = False) -> tuple[RefusalReporter, list[object]]:
    sent: list[object] = []
    return RefusalReporter(
        send=lambda what, recovered: sent.append((what, recovered)),
        closed=lambda: closed,
        clock=clock,
    ), sent


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/api/v1/filings", "filing"),
        ("/api/v1/filings/check", "filing"),
        ("/api/v1/filings/0b3c", "filing"),
        ("/api/v1/clerk/paper-filings", "filing"),
        ("/api/v1/documents/abc", "documents"),
        ("/api/v1/free-looks/tok", "documents"),
        ("/api/v1/cases/26-1/docket", "docket"),
        ("/api/v1/cases/26-1", "docket"),
        ("/api/v1/filingsx", None),
        ("/api/v1/cases", None),  # the search: not one case's docket
        ("/api/v1/sessions", None),
        ("/api/v1/status", None),
    ],
)
def test_which_requests_are_watched(path: str, area: str | None) -> None:
    assert area_of(path) == area


def test_a_storm_of_refusals_is_one_report_per_kind_and_interval_then_one_recovery() -> None:
    clock = Clock()
    reports, _ = reporter(clock)
    for _ in range(50):
        reports.refused("/api/v1/filings")
    reports.refused("/api/v1/cases/26-1/docket")
    reports.refused("/api/v1/sessions")  # not watched
    assert reports.pending() == [("filing", False), ("docket", False)]
    clock.now += 5.0
    reports.refused("/api/v1/filings")
    assert reports.pending() == [("filing", False)]
    reports.succeeded("/api/v1/filings")
    reports.succeeded("/api/v1/filings")  # one recovery, not one per success
    reports.succeeded("/api/v1/documents/x")  # nothing refused there
    assert reports.pending() == [("filing", True)]
    # After the recovery, a new refusal is reported at once.
    reports.refused("/api/v1/filings/check")
    assert reports.pending() == [("filing", False)]


def test_nothing_is_reported_during_maintenance() -> None:
    reports, _ = reporter(Clock(), closed=True)
    reports.refused("/api/v1/filings")
    reports.succeeded("/api/v1/filings")
    assert reports.pending() == []


def test_the_sender_takes_the_queue_and_a_failed_send_is_dropped() -> None:
    clock = Clock()
    reports, sent = reporter(clock)
    reports.refused("/api/v1/filings")
    assert reports.send_one(timeout=0.1) is True
    assert sent == [("filing", False)]
    assert reports.send_one(timeout=0.01) is False  # nothing queued

    def unreachable(what: str, recovered: bool) -> None:
        raise ConnectionError("auth is down")

    failing = RefusalReporter(send=unreachable, clock=clock)
    failing.refused("/api/v1/filings")
    assert failing.send_one(timeout=0.1) is True  # taken, logged, counted: not raised
    assert failing.pending() == []


def test_the_queue_is_bounded() -> None:
    clock = Clock()
    reports, _ = reporter(clock)
    for _ in range(200):
        clock.now += 10
        reports.refused("/api/v1/filings")
    assert len(reports.pending()) == 64
