"""A burst of entries: every notice delivered, with its latency from entry to relay.

The 500-entry burst and its recorded figures are ``bench/nda_burst.py`` (bench/README.md);
this keeps a smaller one in every test run.
"""

from __future__ import annotations

import statistics

from notify_kit import NotifyKit, message_ids
from support.api import wait_for

ENTRIES = 50


def test_a_burst_of_entries_is_delivered_in_full(notify_kit: NotifyKit) -> None:
    kit = notify_kit
    people = [kit.person(), kit.person(notice_format="text")]
    document = kit.store_document(pages=2, filename="order.pdf")
    case_number = kit.open_case(people)
    events = [
        kit.record(case_number, n, documents=[document] if n % 5 == 0 else [], send=False)
        for n in range(1, ENTRIES + 1)
    ]
    for event in events:
        kit.publish("docket.entry_recorded", case_number, event)
    expected = ENTRIES * len(people)
    wait_for(
        lambda: kit.statuses(case_number) == {"sent": expected},
        timeout=120,
        what=f"all {expected} notices sent",
    )
    counts = message_ids(kit.wait_messages(case_number, expected))
    assert len(counts) == expected and set(counts.values()) == {1}

    latencies = sorted(
        float(seconds)
        for (seconds,) in kit.sql(
            "SELECT extract(epoch FROM n.sent_at - e.entered_at) FROM notify.notices n"
            " JOIN notify.entries e USING (case_number, entry_number) WHERE n.case_number = %s",
            case_number,
        )
    )
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))]
    print(f"\n{expected} NDAs: latency p50 {p50:.2f}s p95 {p95:.2f}s max {latencies[-1]:.2f}s")
    assert latencies[-1] < 60
    assert kit.metric("openecf_nda_delivery_latency_seconds_count") >= expected
