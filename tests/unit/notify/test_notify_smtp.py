"""How the sender judges a relay's answers, against a real SMTP server (the project's sink)."""

from __future__ import annotations

import email.policy
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.generator import BytesGenerator
from email.message import EmailMessage
from pathlib import Path

import pytest
from support.mail_sink import relay_for, running_sink
from support.ports import free_port

from services.notify import message as message_module
from services.notify.message import MAIL_POLICY, build_message
from services.notify.notices import message_id_for, notice_id_for
from services.notify.outgoing import retry_delay, should_retry
from services.notify.smtp import FAILED, RETRY, SENT, UNREACHABLE, SmtpRelay, SmtpSession
from services.notify.store.outgoing import Due
from services.stack.smtp_sink import SmtpSink, read_messages


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSink]:
    with running_sink(tmp_path / "mail") as running:
        yield running


def nda(to: str = "jane@roe.example", html: str | None = "<p>Notice</p>") -> EmailMessage:
    notice_id = notice_id_for("26-1234", 3, to)
    due = Due(
        notice_id=str(notice_id),
        kind="nda",
        case_number="26-1234",
        entry_number=3,
        recipient=to,
        recipient_name="Jane Roe",
        account_id=None,
        reason="counsel",
        with_links=False,
        subject='Activity in Case 26-1234 Doe v. Garland "Motion" (entry 3)',
        body_text="Notice of Docket Activity",
        body_html=html,
        message_id=message_id_for(notice_id),
        attempts=0,
        composed_at=datetime(2026, 3, 7, 12, tzinfo=UTC),
        entered_at=datetime(2026, 3, 7, 12, tzinfo=UTC),
        trace_id=None,
        token_id=None,
    )
    return build_message(
        sender="ecf-noreply@court.example", due=due, text=due.body_text, html=due.body_html
    )


def account_mail(to: str = "jane@roe.example") -> EmailMessage:
    due = Due(
        notice_id=str(uuid.uuid4()),
        kind="filing_receipt",
        case_number=None,
        entry_number=None,
        recipient=to,
        recipient_name="",
        account_id=str(uuid.uuid4()),
        reason=None,
        with_links=False,
        subject="Filing receipt",
        body_text="The court received your filing.",
        body_html=None,
        message_id="<receipt@openecf>",
        attempts=0,
        composed_at=datetime(2026, 3, 7, 12, tzinfo=UTC),
        entered_at=None,
        trace_id=None,
        token_id=None,
    )
    return build_message(sender="ecf-noreply@court.example", due=due, text=due.body_text, html=None)


def test_accepted_messages_reuse_one_connection(sink: SmtpSink) -> None:
    session = SmtpSession(relay_for(sink))
    try:
        assert session.send(nda("a@x.example")) == (SENT, None)
        first = session._smtp
        assert session.send(nda("b@x.example", html=None)) == (SENT, None)
        assert session._smtp is first
    finally:
        session.close()
    stored = read_messages(sink.maildir)
    assert [m["To"].addresses[0].addr_spec for m in stored] == ["a@x.example", "b@x.example"]
    assert stored[0].get_content_type() == "multipart/alternative"
    assert stored[1].get_content_type() == "text/plain"
    assert stored[0]["Message-ID"] == message_id_for(notice_id_for("26-1234", 3, "a@x.example"))
    assert stored[0]["Auto-Submitted"] == "auto-generated"
    assert str(stored[0]["To"]) == "Jane Roe <a@x.example>"


def test_ndas_and_account_mail_share_one_connection_and_one_message_form(sink: SmtpSink) -> None:
    session = SmtpSession(relay_for(sink))
    try:
        assert session.send(nda("a@x.example")) == (SENT, None)
        first = session._smtp
        assert session.send(account_mail("b@x.example")) == (SENT, None)
        assert session._smtp is first
    finally:
        session.close()
    notice, mail = read_messages(sink.maildir)
    assert notice["X-OpenECF-Case"] == "26-1234" and notice["X-OpenECF-Entry"] == "3"
    # Account mail names no case, and goes to the bare address.
    assert mail["X-OpenECF-Case"] is None and str(mail["To"]) == "b@x.example"
    assert mail["Message-ID"] == "<receipt@openecf>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"] == "Sat, 07 Mar 2026 12:00:00 +0000"


def test_4xx_is_retried_and_5xx_fails_at_rcpt_and_at_data(sink: SmtpSink) -> None:
    session = SmtpSession(relay_for(sink))
    try:
        sink.fail_next(451, "4.3.0 Try again later")
        outcome, error = session.send(nda())
        assert outcome == RETRY and error is not None and error.startswith("451")
        sink.fail_next(554, "5.6.0 Message refused")
        outcome, error = session.send(nda())
        assert outcome == FAILED and error is not None and error.startswith("554")
        sink.reject_recipient("busy@x.example", 452, "4.2.2 Mailbox full")
        outcome, error = session.send(nda("busy@x.example"))
        assert outcome == RETRY and error is not None and "452" in error
        sink.reject_recipient("gone@x.example", 550, "5.1.1 No such user")
        outcome, error = session.send(nda("gone@x.example"))
        assert outcome == FAILED and error is not None and "550" in error
        # After all that, the session reconnects and delivers.
        assert session.send(nda("ok@x.example")) == (SENT, None)
    finally:
        session.close()
    assert [m["To"].addresses[0].addr_spec for m in read_messages(sink.maildir)] == ["ok@x.example"]


def test_a_relay_that_is_not_there_is_retried(tmp_path: Path) -> None:
    relay = SmtpRelay(
        host="127.0.0.1",
        port=free_port(),
        starttls=False,
        username="",
        password="",
        sender="ecf-noreply@court.example",
        timeout_seconds=2,
    )
    session = SmtpSession(relay)
    outcome, error = session.send(nda())
    assert outcome == UNREACHABLE and error
    # The message is fine, the relay is not: tried until it is back, never failed for it.
    assert should_retry(UNREACHABLE, 1000, 10)


def test_4xx_is_tried_a_bounded_number_of_times() -> None:
    assert should_retry(RETRY, 9, 10) and not should_retry(RETRY, 10, 10)
    assert not should_retry(FAILED, 1, 10) and not should_retry(SENT, 1, 10)


def test_backoff_doubles_and_is_capped() -> None:
    base = timedelta(seconds=30)
    assert [retry_delay(base, n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(base, 50) == base * 64


def test_message_ids_are_stable_per_entry_and_address() -> None:
    one = notice_id_for("26-1234", 3, "Jane@Roe.example ")
    assert one == notice_id_for("26-1234", 3, "jane@roe.example")
    assert one != notice_id_for("26-1234", 4, "jane@roe.example")
    assert one != notice_id_for("26-1235", 3, "jane@roe.example")
    assert message_id_for(one) == f"<{one}@openecf>"
    assert uuid.UUID(str(one)).version == 5


def _wire(message: EmailMessage) -> bytes:
    """The bytes smtplib sends, with the MIME boundary (random in each build) blanked."""
    out = io.BytesIO()
    BytesGenerator(out, policy=message.policy.clone(linesep="\r\n")).flatten(message)
    boundary = message.get_boundary()
    return out.getvalue().replace(boundary.encode(), b"BOUNDARY") if boundary else out.getvalue()


def test_the_message_is_byte_for_byte_what_the_stock_policy_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The header classes built once change the CPU, not one byte: a non-ASCII name, a
    subject long enough to fold, both parts."""
    long_subject = "Activity in Case 26-1234 Peña v. Garland: " + "motion to reopen " * 8
    ours = nda("maria@x.example")
    ours.replace_header("To", "María Peña <maria@x.example>")
    ours.replace_header("Subject", long_subject)
    monkeypatch.setattr(message_module, "MAIL_POLICY", email.policy.default)
    stock = nda("maria@x.example")
    stock.replace_header("To", "María Peña <maria@x.example>")
    stock.replace_header("Subject", long_subject)
    assert ours.policy is not stock.policy
    assert _wire(ours) == _wire(stock)
    assert b"=?utf-8?" in _wire(ours)  # the name travels encoded


def test_each_header_class_is_built_once_and_still_refuses_a_line_break() -> None:
    factory = MAIL_POLICY.header_factory
    assert factory["Subject"] is factory["subject"]
    assert factory["To"] is not factory["Subject"]
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        nda()["X-Injected"] = "26-1234\r\nBcc: someone@else.example"


def test_an_address_that_is_not_ascii_goes_out_with_smtputf8(sink: SmtpSink) -> None:
    session = SmtpSession(relay_for(sink))
    try:
        assert session.send(nda("josé@x.example")) == (SENT, None)
    finally:
        session.close()
    (stored,) = (sink.maildir / "new").iterdir()
    assert "To: Jane Roe <josé@x.example>\n".encode() in stored.read_bytes()  # UTF-8, as sent
