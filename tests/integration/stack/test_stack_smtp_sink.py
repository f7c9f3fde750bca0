"""The local SMTP sink: real SMTP in, one Maildir file per message out."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from support.mail_sink import running_sink
from support.ports import free_port

from services.stack.smtp_sink import SmtpSink, read_messages

REPO = Path(__file__).resolve().parents[3]


def _message(subject: str, to: str = "clerk@court.example") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "noreply@court.example"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(f"Body of {subject}: Notice of Electronic Filing — ¶ 3.\n")
    return message


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSink]:
    with running_sink(tmp_path / "mail") as running:
        yield running


def test_messages_are_kept_in_delivery_order_with_the_envelope(sink: SmtpSink) -> None:
    with smtplib.SMTP(sink.host, sink.port) as client:
        for n in range(12):
            client.send_message(
                _message(f"NEF {n}"),
                to_addrs=["clerk@court.example", "hidden-bcc@court.example"],
            )
    messages = read_messages(sink.maildir)
    assert [m["Subject"] for m in messages] == [f"NEF {n}" for n in range(12)]
    first = messages[0]
    assert first["X-OpenECF-Envelope-From"] == "noreply@court.example"
    assert first["X-OpenECF-Envelope-To"] == "clerk@court.example, hidden-bcc@court.example"
    assert first.get_content() == "Body of NEF 0: Notice of Electronic Filing — ¶ 3.\n"
    # One plain file per message, readable by a person.
    assert len(list((sink.maildir / "new").iterdir())) == 12


def test_fail_next_answers_with_the_code_then_recovers(sink: SmtpSink) -> None:
    sink.fail_next(451, "4.3.0 Try again later")
    with smtplib.SMTP(sink.host, sink.port) as client:
        with pytest.raises(smtplib.SMTPDataError) as failure:
            client.send_message(_message("first try"))
        assert failure.value.smtp_code == 451
        assert b"Try again later" in failure.value.smtp_error
        client.send_message(_message("second try"))
    assert [m["Subject"] for m in read_messages(sink.maildir)] == ["second try"]


def test_fail_next_counts(sink: SmtpSink) -> None:
    sink.fail_next(554, "5.6.0 Rejected", count=2)
    with smtplib.SMTP(sink.host, sink.port) as client:
        for _ in range(2):
            with pytest.raises(smtplib.SMTPDataError) as failure:
                client.send_message(_message("refused"))
            assert failure.value.smtp_code == 554
        client.send_message(_message("accepted"))
    assert [m["Subject"] for m in read_messages(sink.maildir)] == ["accepted"]


def test_reject_recipient_answers_at_rcpt(sink: SmtpSink) -> None:
    sink.reject_recipient("Gone@Court.example", 550, "5.1.1 No such user")
    with smtplib.SMTP(sink.host, sink.port) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(_message("to nobody", to="gone@court.example"))
        assert refused.value.recipients["gone@court.example"][0] == 550
        # With another recipient the message goes through, to that recipient only.
        rejected = client.send_message(
            _message("partly"), to_addrs=["gone@court.example", "clerk@court.example"]
        )
        assert rejected == {"gone@court.example": (550, b"5.1.1 No such user")}
    (message,) = read_messages(sink.maildir)
    assert message["X-OpenECF-Envelope-To"] == "clerk@court.example"

    sink.clear_faults()
    with smtplib.SMTP(sink.host, sink.port) as client:
        client.send_message(_message("back", to="gone@court.example"))
    assert len(read_messages(sink.maildir)) == 2


def test_only_error_codes_can_be_injected(sink: SmtpSink) -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        sink.fail_next(250, "fine")


def test_read_messages_of_a_missing_maildir_is_empty(tmp_path: Path) -> None:
    assert read_messages(tmp_path / "nothing-here") == []


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_runs_as_its_own_process_and_stops_cleanly(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port = free_port()
    maildir = tmp_path / "mail"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.stack.smtp_sink",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--maildir",
            str(maildir),
        ],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert f"listening on 127.0.0.1:{port}" in line
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(_message("from the process"))
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert [m["Subject"] for m in read_messages(maildir)] == ["from the process"]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
