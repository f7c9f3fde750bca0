"""The line a consumer group draws between its past and what it acts on, and its lag gauge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kafka.structs import TopicPartition

from services.common import metrics
from services.common.consumer_start import ForgetLagOnRevoke, occurred_before
from services.common.events import new_event


def _at(moment: datetime):  # type: ignore[no-untyped-def]
    from google.protobuf import wrappers_pb2

    envelope = new_event(
        event_type="t", source="s", subject="x", payload=wrappers_pb2.StringValue(value="v")
    )
    envelope.occurred_at.FromDatetime(moment)
    return envelope


def test_an_event_before_the_first_run_is_past_and_one_after_is_not() -> None:
    first_ran = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert occurred_before(_at(first_ran - timedelta(milliseconds=1)), first_ran)
    assert not occurred_before(_at(first_ran), first_ran)
    assert not occurred_before(_at(first_ran + timedelta(seconds=1)), first_ran)


def test_an_event_without_a_time_is_acted_on_rather_than_dropped() -> None:
    envelope = _at(datetime(2026, 1, 1, tzinfo=UTC))
    envelope.ClearField("occurred_at")
    assert not occurred_before(envelope, datetime(2026, 12, 2, tzinfo=UTC))


def test_revoked_partitions_stop_reporting_lag() -> None:
    gauge = metrics.CONSUMER_LAG
    gauge.labels("unit-group", "t.events", "0").set(7)
    gauge.labels("unit-group", "t.events", "1").set(3)
    ForgetLagOnRevoke("unit-group").on_partitions_revoked({TopicPartition("t.events", 0)})
    reported = {
        s.labels["partition"]
        for m in gauge.collect()
        for s in m.samples
        if s.labels.get("consumer") == "unit-group"
    }
    assert reported == {"1"}
    # A partition never reported is no error (a member revoked before its first poll).
    ForgetLagOnRevoke("unit-group").on_partitions_revoked({TopicPartition("t.events", 9)})
