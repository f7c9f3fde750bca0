"""The technical-failure rules: which runs of failure become proposed outages, and which
receipts fall during or just after one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.common.technical_failures import (
    REFUSAL,
    Observation,
    Run,
    covers,
    grace_end,
    outage_runs,
)

COURT_TZ = ZoneInfo("America/Los_Angeles")
T0 = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # a Wednesday, 09:00 Pacific
THRESHOLD = timedelta(minutes=15)


def at(minutes: float, ok: bool, *, what: str = "filing", maintenance: bool = False) -> Observation:
    return Observation(T0 + timedelta(minutes=minutes), ok, maintenance, "" if ok else what)


def test_a_run_longer_than_the_threshold_is_proposed_from_first_failure_to_recovery() -> None:
    seen = [at(0, True), at(1, False), at(10, False, what="access"), at(20, True), at(21, True)]
    assert outage_runs(seen, threshold=THRESHOLD) == [
        Run(T0 + timedelta(minutes=1), T0 + timedelta(minutes=20), "filing, access")
    ]


def test_short_runs_are_not_outages() -> None:
    seen = [at(0, False), at(14, False), at(14.5, True), at(30, False), at(31, True)]
    assert outage_runs(seen, threshold=THRESHOLD) == []


def test_exactly_the_threshold_counts() -> None:
    seen = [at(0, False), at(15, True)]
    assert [r.length for r in outage_runs(seen, threshold=THRESHOLD)] == [THRESHOLD]


def test_a_run_still_going_on_is_not_proposed_yet() -> None:
    assert outage_runs([at(0, False), at(60, False)], threshold=THRESHOLD) == []


def test_observations_in_any_order_and_several_runs() -> None:
    seen = [at(100, True), at(0, False), at(50, False), at(20, True), at(80, False)]
    runs = outage_runs(seen, threshold=THRESHOLD)
    assert [(r.started_at, r.ended_at) for r in runs] == [
        (T0, T0 + timedelta(minutes=20)),
        (T0 + timedelta(minutes=50), T0 + timedelta(minutes=100)),
    ]


def test_failures_during_maintenance_are_the_window_not_a_technical_failure() -> None:
    # Refusals all through a maintenance window: nothing to propose.
    window = [at(m, False, maintenance=True) for m in range(0, 300, 5)]
    assert outage_runs([*window, at(300, True)], threshold=THRESHOLD) == []
    # A failure that runs into the window ends where the window begins.
    seen = [at(0, False), at(30, False, maintenance=True), at(60, False), at(61, True)]
    assert [(r.started_at, r.ended_at) for r in outage_runs(seen, threshold=THRESHOLD)] == [
        (T0, T0 + timedelta(minutes=30))
    ]


def test_a_receipt_is_covered_from_the_start_to_the_end_of_the_next_court_day() -> None:
    start, end = T0, T0 + timedelta(hours=2)  # 09:00 to 11:00 Pacific on Wednesday 2026-03-04
    assert grace_end(end, tz=COURT_TZ, grace_days=1) == datetime(2026, 3, 6, 0, 0, tzinfo=COURT_TZ)

    def covered(received: datetime, grace_days: int = 1) -> bool:
        return covers(
            started_at=start,
            ended_at=end,
            received_at=received,
            tz=COURT_TZ,
            grace_days=grace_days,
        )

    assert not covered(start - timedelta(seconds=1))
    assert covered(start)
    assert covered(end)
    # Thursday 23:59:59 Pacific is still "the next day"; Friday 00:00 is not.
    assert covered(datetime(2026, 3, 5, 23, 59, 59, tzinfo=COURT_TZ))
    assert not covered(datetime(2026, 3, 6, 0, 0, tzinfo=COURT_TZ))
    assert not covered(datetime(2026, 3, 5, 0, 0, tzinfo=COURT_TZ), grace_days=0)


def test_the_grace_day_is_a_court_local_day_across_daylight_saving() -> None:
    # Ends Saturday 2026-03-07 23:30 Pacific (PST); Sunday 03-08 has 23 hours (PDT from 02:00).
    end = datetime(2026, 3, 7, 23, 30, tzinfo=COURT_TZ)
    assert grace_end(end, tz=COURT_TZ, grace_days=1) == datetime(2026, 3, 9, 0, 0, tzinfo=COURT_TZ)
    assert grace_end(end, tz=COURT_TZ, grace_days=1).astimezone(UTC).hour == 7  # PDT


def refused(minutes: float, *, what: str = "filing", maintenance: bool = False) -> Observation:
    return Observation(T0 + timedelta(minutes=minutes), False, maintenance, what, REFUSAL)


def recovered(minutes: float) -> Observation:
    return Observation(T0 + timedelta(minutes=minutes), True, False, "", REFUSAL)


def spans(runs: list[Run]) -> list[tuple[float, float, str]]:
    return [
        (
            (r.started_at - T0) / timedelta(minutes=1),
            (r.ended_at - T0) / timedelta(minutes=1),
            r.unavailable,
        )
        for r in runs
    ]


def test_refusals_alone_make_one_outage_from_the_first_refusal_to_the_recovery() -> None:
    # The database restarting: health checks answer, filings are refused.
    seen = [at(m, True) for m in range(0, 40)]
    seen += [refused(m) for m in (5, 9, 14, 18)] + [recovered(23)]
    assert spans(outage_runs(seen, threshold=THRESHOLD)) == [(5, 23, "filing")]


def test_one_refusal_or_a_short_burst_is_not_an_outage() -> None:
    assert outage_runs([refused(1), recovered(2)], threshold=THRESHOLD) == []
    burst = [refused(m / 10) for m in range(100)]  # 100 refusals in 10 minutes
    assert outage_runs([*burst, recovered(11)], threshold=THRESHOLD) == []


def test_a_refusal_run_without_recovery_ends_at_its_last_refusal_once_quiet() -> None:
    seen = [refused(0), refused(10), refused(20)]
    # Still going on (the last refusal is recent): nothing yet.
    assert outage_runs(seen, threshold=THRESHOLD, now=T0 + timedelta(minutes=30)) == []
    later = T0 + timedelta(minutes=36)
    assert spans(outage_runs(seen, threshold=THRESHOLD, now=later)) == [(0, 20, "filing")]
    # A recovery long after the last refusal does not stretch the run to it.
    assert spans(outage_runs([*seen, recovered(90)], threshold=THRESHOLD)) == [(0, 20, "filing")]
    # Refusals further apart than `quiet` are separate (here: each too short).
    apart = [refused(0), refused(10), refused(40), refused(50)]
    assert outage_runs(apart, threshold=THRESHOLD, now=T0 + timedelta(hours=2)) == []


def test_health_and_refusals_of_one_outage_make_one_proposal() -> None:
    seen = [at(0, True), at(1, False), at(2, False), at(20, True)]
    seen += [refused(3, what="filing"), refused(12, what="docket"), recovered(21)]
    assert spans(outage_runs(seen, threshold=THRESHOLD, join=timedelta(minutes=1))) == [
        (1, 21, "filing, docket")
    ]
    # A refusal run still open keeps the whole outage back (its end is not known yet).
    still = [at(1, False), at(20, True), refused(3), refused(19)]
    assert outage_runs(still, threshold=THRESHOLD, now=T0 + timedelta(minutes=25)) == []


def test_adjacent_periods_merge_within_join_and_not_beyond() -> None:
    seen = [at(0, False), at(10, True), refused(10.5), refused(16), recovered(16.5)]
    assert spans(outage_runs(seen, threshold=THRESHOLD, join=timedelta(minutes=1))) == [
        (0, 16.5, "filing")
    ]
    assert outage_runs(seen, threshold=THRESHOLD, join=timedelta(0)) == []


def test_refusals_during_maintenance_are_the_window() -> None:
    window = [refused(m, maintenance=True) for m in range(0, 120, 3)]
    assert outage_runs(window, threshold=THRESHOLD, now=T0 + timedelta(hours=5)) == []
    # A refusal run that reaches the window ends where the window begins.
    seen = [refused(0), refused(4), refused(8), at(10, False, maintenance=True), refused(12)]
    assert spans(
        outage_runs(seen, threshold=timedelta(minutes=5), now=T0 + timedelta(hours=1))
    ) == [(0, 10, "filing")]
