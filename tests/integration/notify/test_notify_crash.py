"""Notify stopped or killed while notices are on their way: every one delivered, none twice."""

from __future__ import annotations

from notify_kit import NotifyKit, message_ids, recipient_of
from support.api import confirm_registration, register, wait_for

from services.stack.supervisor import LocalStack


def test_notify_stopped_between_events_still_delivers_every_notice_once(
    notify_kit: NotifyKit, stack: LocalStack, edge_url: str
) -> None:
    kit = notify_kit
    first, second = kit.person(), kit.person(notice_format="text")
    case_number = kit.open_case([first, second])
    for number in range(1, 6):
        kit.record(case_number, number)
    kit.wait_messages(case_number, 10)

    stack.stop_child("notify")
    try:
        for number in range(6, 11):  # recorded while notify is away: they wait in Kafka
            kit.record(case_number, number)
        # And so does the registration of an account notify has not seen yet (its
        # confirmation link waits too: it is mailed once notify is back).
        late_api, late_body = register(edge_url, "public", confirm=False)
    finally:
        stack.restart_child("notify")
    confirm_registration(edge_url, late_body["email"])
    wait_for(
        lambda: (
            kit.sql(
                "SELECT email FROM notify.recipients WHERE account_id = %s",
                late_api.account["account_id"],
            )
            == [(late_body["email"],)]
        ),
        what="notify knows the late account's confirmed address",
    )
    kit.wait_case_known(case_number)
    subscribed = wait_for(
        lambda: (lambda r: r if r.status_code == 200 else None)(
            late_api.request("PUT", f"/api/v1/cases/{case_number}/subscription")
        ),
        what="the late subscriber subscribed",
    )
    assert subscribed.json()["subscribed"]
    kit.record(case_number, 11)

    messages = kit.wait_messages(case_number, 23, timeout=60)
    wait_for(lambda: kit.statuses(case_number) == {"sent": 23}, what="all 23 sent")
    counts = message_ids(kit.messages(case_number))
    assert len(counts) == 23 and set(counts.values()) == {1}, counts
    pairs = {(m["X-OpenECF-Entry"], recipient_of(m)) for m in messages}
    assert pairs == {(str(n), p.email.lower()) for n in range(1, 12) for p in (first, second)} | {
        ("11", late_body["email"].lower())
    }


def test_notify_killed_mid_burst_loses_nothing_and_any_duplicate_is_recognisable(
    notify_kit: NotifyKit, stack: LocalStack
) -> None:
    kit = notify_kit
    people = [kit.person() for _ in range(3)]
    case_number = kit.open_case(people)
    entries = 40
    events = [kit.record(case_number, n, send=False) for n in range(1, entries + 1)]
    for event in events:
        kit.publish("docket.entry_recorded", case_number, event)
    expected = entries * len(people)
    wait_for(
        lambda: len(kit.messages(case_number)) >= expected // 4,
        timeout=60,
        what="a quarter of the burst delivered",
    )
    process = stack.children["notify"].process
    assert process is not None
    process.kill()  # no goodbye: open transactions roll back, offsets stay uncommitted
    process.wait()
    stack.restart_child("notify")

    wait_for(
        lambda: kit.statuses(case_number) == {"sent": expected},
        timeout=120,
        what=f"all {expected} notices sent",
    )
    messages = kit.messages(case_number)
    counts = message_ids(messages)
    rows = kit.deliveries(case_number)
    assert set(counts) == {row["message_id"] for row in rows.values()}  # every notice arrived
    # A kill can land between the relay's 250 and notify's commit: the message each sender
    # thread had in that instant may come twice, with the same Message-ID. Nothing else is
    # ever sent twice.
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= stack.settings.notice_sender_threads, counts.most_common(5)
    print(f"\nkilled mid-burst: {expected} notices, {duplicates} recognisable duplicate(s)")
