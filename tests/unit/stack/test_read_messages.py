"""The sink's Maildir read back: every message in delivery order, each parsed once."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

from services.stack.smtp_sink import read_messages


def _mail(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = "counsel@example.org"
    message.set_content(f"about {subject}")
    return message


def test_messages_come_back_in_delivery_order_and_later_ones_join_them(tmp_path: Path) -> None:
    assert read_messages(tmp_path / "none") == []
    box = mailbox.Maildir(tmp_path / "mail")
    box.add(_mail("first"))
    first = read_messages(tmp_path / "mail")
    assert [m["Subject"] for m in first] == ["first"]
    box.add(_mail("second"))
    both = read_messages(tmp_path / "mail")
    assert [m["Subject"] for m in both] == ["first", "second"]
    # A delivered message never changes: the first one was not parsed again.
    assert both[0] is first[0]


def test_a_message_removed_from_the_box_is_no_longer_read(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "mail")
    key = box.add(_mail("gone"))
    box.add(_mail("kept"))
    assert len(read_messages(tmp_path / "mail")) == 2
    box.remove(key)
    assert [m["Subject"] for m in read_messages(tmp_path / "mail")] == ["kept"]


def test_a_header_is_parsed_once_and_again_only_after_a_change(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "mail")
    box.add(_mail("once"))
    (message,) = read_messages(tmp_path / "mail")
    subject = message["Subject"]
    assert subject == "once" and message["Subject"] is subject  # the same parsed header
    assert message.get("Cc") is None and message.get("Cc", "none") == "none"
    del message["Subject"]
    message["Subject"] = "changed"
    assert message["Subject"] == "changed"
    assert message.get_content().strip() == "about once"


def test_a_message_a_reader_moved_to_cur_is_the_same_message(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "mail")
    key = box.add(_mail("read"))
    (before,) = read_messages(tmp_path / "mail")
    seen = box.get_message(key)
    seen.set_subdir("cur")
    seen.add_flag("S")
    box[key] = seen  # now cur/<key>:2,S
    assert list((tmp_path / "mail" / "new").iterdir()) == []
    (after,) = read_messages(tmp_path / "mail")
    assert after is before


def test_files_a_reader_keeps_beside_the_messages_are_not_messages(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "mail")
    box.add(_mail("only"))
    (tmp_path / "mail" / "cur" / ".hidden").write_text("a reader's own file")
    (tmp_path / "mail" / "tmp" / "1.M1P1Q1.host").write_text("still being written")
    assert [m["Subject"] for m in read_messages(tmp_path / "mail")] == ["only"]
