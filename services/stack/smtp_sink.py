"""The local SMTP sink: accepts every message and keeps it as a file in a Maildir.

Tests read the messages back with `read_messages`; a person can open the Maildir with any mail
reader. Tests that need real SMTP error replies use `fail_next` and `reject_recipient`.

Run on its own: python -m services.stack.smtp_sink --host 127.0.0.1 --port 1025 --maildir DIR
"""

from __future__ import annotations

import argparse
import email.message
import email.policy
import logging
import mailbox
import os
import re
import threading
from collections import deque
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.common.shutdown import stop_on_signals

logger = logging.getLogger(__name__)

ACCEPTED = "250 Message accepted for delivery"
_KEY = re.compile(r"^(\d+)\.M(\d+)P\d+Q(\d+)\.")


def _check_code(code: int) -> None:
    # Only error replies make sense here; a 2xx would silently drop the message.
    if not 400 <= code <= 599:
        raise ValueError(f"SMTP error code must be 4xx or 5xx, not {code}")


class _Handler:
    """aiosmtpd handler; its hooks run on the controller's event loop thread."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = mailbox.Maildir(maildir, create=True)
        # Faults are set from test threads and read on the loop thread.
        self._lock = threading.Lock()
        self._next_data_failures: deque[tuple[int, str]] = deque()
        self._rejected: dict[str, tuple[int, str]] = {}

    def fail_next(self, code: int, message: str, count: int) -> None:
        with self._lock:
            self._next_data_failures.extend([(code, message)] * count)

    def reject_recipient(self, address: str, code: int, message: str) -> None:
        with self._lock:
            self._rejected[address.casefold()] = (code, message)

    def clear_faults(self) -> None:
        with self._lock:
            self._next_data_failures.clear()
            self._rejected.clear()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        with self._lock:
            rejection = self._rejected.get(address.casefold())
        if rejection is not None:
            return f"{rejection[0]} {rejection[1]}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            failure = self._next_data_failures.popleft() if self._next_data_failures else None
        if failure is not None:
            logger.debug("answering DATA with injected %d", failure[0])
            return f"{failure[0]} {failure[1]}"
        raw = envelope.original_content or b""
        sender = envelope.mail_from or "<>"
        # The envelope is what the service really addressed (Bcc included), which the headers
        # of the message do not show; folded so many recipients stay within line limits.
        recipients = ",\r\n ".join(envelope.rcpt_tos)
        headers = (
            f"X-OpenECF-Envelope-From: {sender}\r\nX-OpenECF-Envelope-To: {recipients}\r\n"
        ).encode()
        # Maildir files use the local line ending, as any local delivery agent writes them.
        key = self.maildir.add((headers + raw).replace(b"\r\n", b"\n"))
        logger.debug("stored message %s from %s to %s", key, sender, envelope.rcpt_tos)
        return ACCEPTED


class SmtpSink:
    """An SMTP server on a background thread that keeps every accepted message."""

    def __init__(self, *, host: str, port: int, maildir: Path) -> None:
        self.host = host
        self.port = port
        self.maildir = maildir
        self._handler: _Handler | None = None
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is not None:
            return
        self._handler = _Handler(self.maildir)
        controller = Controller(
            self._handler, hostname=self.host, port=self.port, enable_SMTPUTF8=True
        )
        controller.start()  # Returns once the server answers a probe connection.
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def fail_next(self, code: int, message: str, count: int = 1) -> None:
        """Answer the next `count` DATA commands with `code message` instead of storing."""
        _check_code(code)
        self._require_handler().fail_next(code, message, count)

    def reject_recipient(
        self, address: str, code: int = 550, message: str = "5.1.1 Mailbox unavailable"
    ) -> None:
        """Answer RCPT TO for `address` with `code message` from now on (case-insensitive)."""
        _check_code(code)
        self._require_handler().reject_recipient(address, code, message)

    def clear_faults(self) -> None:
        """Forget every injected failure and rejected recipient."""
        self._require_handler().clear_faults()

    def _require_handler(self) -> _Handler:
        if self._handler is None:
            raise RuntimeError("the SMTP sink is not started")
        return self._handler


def _delivery_order(key: str) -> tuple[int, int, int, str]:
    # Maildir.add names files "<seconds>.M<microseconds>P<pid>Q<counter>.<host>"; sorting the
    # names as text would put M99 after M100000 within one second.
    match = _KEY.match(key)
    if match is None:
        return (2**63, 0, 0, key)  # Not written by mailbox.Maildir: last, by name.
    seconds, micros, counter = (int(g) for g in match.groups())
    return (seconds, micros, counter, key)


def _headers_parsed_once(message: email.message.EmailMessage) -> None:
    """Store each header as its parsed object, as a message built in code holds them: the
    default policy parses a stored string again at every read, and tests read the same headers
    of thousands of messages while they wait for one (a fifth of a test process's CPU)."""
    parsed = list(message.items())  # items() parses; the policy returns a parsed one as it is
    for name in set(message.keys()):
        del message[name]
    for name, value in parsed:
        message.set_raw(name, value)


# Messages already parsed, by Maildir and key, with their place in delivery order. A delivered
# message never changes (the sink writes it whole, then links it in), so each is read and parsed
# once: tests wait for mail by reading the box again and again, and a session's boxes grow to
# thousands of messages.
_PARSED: dict[tuple[Path, str], tuple[tuple[int, int, int, str], email.message.EmailMessage]] = {}


def _delivered(where: Path) -> dict[str, tuple[str, str]]:
    """Each message's Maildir key, folder and file name, from the names alone: `mailbox.Maildir`
    stats every file at each look (10 ms a look at 600 messages, and tests look every 0.1 s)."""
    files: dict[str, tuple[str, str]] = {}
    for folder in ("new", "cur"):  # tmp holds messages still being written
        try:
            names = os.listdir(where / folder)
        except FileNotFoundError:
            continue
        for name in names:
            if not name.startswith("."):
                files[name.split(":", 1)[0]] = (folder, name)  # ":2,S": a reader's flags
    return files


def read_messages(maildir: Path) -> list[email.message.EmailMessage]:
    """Every message in the Maildir (new and cur), parsed, in delivery order."""
    where = maildir.resolve()
    parser = BytesParser(policy=email.policy.default)
    found = []
    for key, (folder, name) in _delivered(where).items():
        known = _PARSED.get((where, key))
        if known is None:
            try:
                raw = (where / folder / name).read_bytes()
            except FileNotFoundError:
                continue  # Moved or deleted by a mail reader meanwhile.
            parsed = parser.parsebytes(raw)
            assert isinstance(parsed, email.message.EmailMessage)  # policy.default makes these
            _headers_parsed_once(parsed)
            known = _PARSED[(where, key)] = (_delivery_order(key), parsed)
        found.append(known)
    found.sort(key=lambda known: known[0])
    return [message for _, message in found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local SMTP sink that keeps mail in a Maildir.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=Path(".openecf/mail"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command.

    stopping = threading.Event()
    stop_on_signals(stopping)

    sink = SmtpSink(host=args.host, port=args.port, maildir=args.maildir)
    sink.start()
    logger.info(
        "SMTP sink listening on %s:%d, keeping mail in %s",
        args.host,
        args.port,
        args.maildir.resolve(),
    )
    try:
        stopping.wait()
    finally:
        sink.stop()
    logger.info("SMTP sink stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
