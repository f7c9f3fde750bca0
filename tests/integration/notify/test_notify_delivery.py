"""Delivery against a relay that answers 4xx and 5xx: retried, or failed and recorded.

The stack's SMTP sink runs in another process, so these tests start a sink of their own
(with injected faults) and, for their duration, run notify against it instead of the stack's
(with a short retry interval).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from notify_kit import NotifyKit, message_ids, message_text, recipient_of
from support.api import wait_for
from support.mail_sink import started_sink

from services.stack.smtp_sink import SmtpSink, read_messages


@pytest.fixture(scope="module")
def relay(notify_kit: NotifyKit, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpSink]:
    sink = started_sink(tmp_path_factory.mktemp("fault") / "mail")
    try:
        with notify_kit.dedicated_notify(sink, mail_retry_seconds="0.5"):
            yield sink
    finally:
        sink.stop()


def _maildir(sink: SmtpSink) -> Path:
    return sink.maildir


def test_a_relay_answering_451_then_250_gets_the_notice_once(
    notify_kit: NotifyKit, relay: SmtpSink
) -> None:
    kit = notify_kit
    attorney = kit.person()
    case_number = kit.open_case([attorney])
    relay.reject_recipient(attorney.email, 451, "4.2.1 Mailbox busy, try again later")
    try:
        kit.record(case_number, 1)
        retrying = wait_for(
            lambda: (lambda row: row if row and row["status"] == "retrying" else None)(
                kit.deliveries(case_number).get((1, attorney.email.lower()))
            ),
            what="the notice waiting for a retry",
        )
        assert retrying["attempts"] >= 1 and "451" in (retrying["last_error"] or "")
        status = attorney.api.get(f"/api/v1/notices/{retrying['notice_id']}").json()
        assert status["status"] == "retrying" and status["next_attempt_at"]
        assert kit.messages(case_number, _maildir(relay)) == []
    finally:
        relay.clear_faults()
    # A 451 on DATA too, once: still only retried.
    relay.fail_next(451, "4.3.0 Temporary failure", count=1)
    wait_for(lambda: kit.statuses(case_number) == {"sent": 1}, timeout=30, what="the notice sent")
    messages = kit.messages(case_number, _maildir(relay))
    assert [recipient_of(m) for m in messages] == [attorney.email.lower()]
    assert list(message_ids(messages).values()) == [1]
    row = kit.deliveries(case_number)[(1, attorney.email.lower())]
    assert row["attempts"] >= 2 and row["last_error"] is None
    assert kit.metric("openecf_notices_total", kind="nda", outcome="retry") >= 1


def test_a_notice_still_waiting_when_its_entry_is_sealed_goes_out_sealed(
    notify_kit: NotifyKit, relay: SmtpSink
) -> None:
    """Composed with the docket text, then held by the relay: the seal composes it again."""
    kit = notify_kit
    attorney = kit.person(notice_format="text")
    case_number = kit.open_case([attorney])
    relay.reject_recipient(attorney.email, 451, "4.2.1 Mailbox busy, try again later")
    try:
        kit.record(case_number, 1, text="MOTION to file under seal the agency's sources.")
        wait_for(lambda: kit.statuses(case_number) == {"retrying": 1}, what="the notice held back")
        kit.seal(case_number, 1)
        wait_for(
            lambda: kit.sql(
                "SELECT 1 FROM notify.notices WHERE case_number = %s AND subject LIKE %s",
                case_number,
                "%SEALED ENTRY%",
            ),
            what="the notice composed again, sealed",
        )
    finally:
        relay.clear_faults()
    wait_for(lambda: kit.statuses(case_number) == {"sent": 1}, timeout=30, what="the notice sent")
    (message,) = kit.messages(case_number, _maildir(relay))
    text = message_text(message)
    assert "SEALED ENTRY" in text and "This entry is sealed" in text, text
    assert "sources" not in text and "sources" not in str(message["Subject"]), text


def test_a_relay_answering_550_fails_the_notice_for_good_and_says_so(
    notify_kit: NotifyKit, relay: SmtpSink
) -> None:
    kit = notify_kit
    gone, present = kit.person(), kit.person()
    case_number = kit.open_case([gone, present])
    relay.reject_recipient(gone.email, 550, "5.1.1 No such mailbox")
    try:
        kit.record(case_number, 1)
        wait_for(
            lambda: kit.statuses(case_number) == {"sent": 1, "failed": 1},
            what="one sent, one failed",
        )
    finally:
        relay.clear_faults()
    failed = kit.deliveries(case_number)[(1, gone.email.lower())]
    assert failed["attempts"] == 1 and "550" in failed["last_error"]
    messages = kit.messages(case_number, _maildir(relay))
    assert [recipient_of(m) for m in messages] == [present.email.lower()]

    shown = gone.api.get(f"/api/v1/notices/{failed['notice_id']}").json()
    assert (shown["status"], shown["attempts"]) == ("failed", 1)
    assert "550" in shown["last_error"] and shown["next_attempt_at"] is None
    events = wait_for(
        lambda: [
            e
            for e in kit.notify_events("notify.notice_failed")
            if e.notice_id == failed["notice_id"]
        ],
        what="notify.notice_failed on notify.events",
    )
    assert (events[0].case_number, events[0].entry_number) == (case_number, 1)
    assert events[0].recipient_email.lower() == gone.email.lower()
    assert events[0].recipient_account_id == gone.account_id and "550" in events[0].error
    sent = [e for e in kit.notify_events("notify.notice_sent") if e.case_number == case_number]
    assert [e.recipient_email.lower() for e in sent] == [present.email.lower()]
    assert kit.metric("openecf_notices_total", kind="nda", outcome="failed") >= 1
    # Nothing more is tried for a failed notice.
    assert len(read_messages(_maildir(relay))) >= 1
    assert kit.deliveries(case_number)[(1, gone.email.lower())]["attempts"] == 1


def test_account_mail_refused_for_good_is_on_notify_events_like_an_nda(
    notify_kit: NotifyKit, relay: SmtpSink, edge_url: str
) -> None:
    from support.api import Api

    kit = notify_kit
    gone = kit.person("public")
    relay.reject_recipient(gone.email, 550, "5.1.1 No such mailbox")
    try:
        asked = Api(edge_url).post("/api/v1/credential-reissue", json={"email": gone.email})
        assert asked.status_code in (200, 202), asked.text
        failed = wait_for(
            lambda: kit.sql(
                "SELECT notice_id::text, attempts, last_error FROM notify.notices"
                " WHERE kind = 'credential_reissue' AND status = 'failed'"
                " AND lower(recipient_email) = lower(%s)",
                gone.email,
            ),
            what="the reissue mail failed",
        )
    finally:
        relay.clear_faults()
    mail_id, attempts, error = failed[0]
    assert attempts == 1 and "550" in error
    events = wait_for(
        lambda: [e for e in kit.notify_events("notify.notice_failed") if e.notice_id == mail_id],
        what="notify.notice_failed for the account mail",
    )
    assert events[0].recipient_email.lower() == gone.email.lower()
    assert events[0].recipient_account_id == gone.account_id
    assert events[0].case_number == "" and "550" in events[0].error
