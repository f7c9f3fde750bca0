"""The CPU one NDA's e-mail costs notify before the relay sees it: the message built
(``outgoing.build_message``, the email package's ``EmailMessage`` with its default policy)
and flattened to bytes as ``smtplib.send_message`` does, for an NDA of the size the steady
benchmark sends (a text and an HTML part, about 4 KB), a non-ASCII recipient name included.

CPU time (``time.process_time``), best of ``--repeat`` rounds of ``--count`` messages, so a
busy machine moves it little. Compare it with notify's CPU a NDA in ``nda_burst.py``: it is
the share of the notice path the message form alone takes.

    .venv/bin/python bench/nda_message.py [--count 500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import Message

from summary import record

from services.notify.message import build_message
from services.notify.store.outgoing import Due

TEXT = "NOTICE OF DOCKET ACTIVITY\n" + (
    "The following transaction was entered on 12/02/2026 at 11:58 PM PST and filed on"
    " 12/02/2026.\n" * 20
)
HTML = "<html><body>" + "<p>The following transaction was entered and filed.</p>" * 40


def due() -> Due:
    return Due(
        notice_id=str(uuid.uuid4()),
        kind="nda",
        case_number="26-000123",
        entry_number=12,
        recipient="maria.lopez@example.org",
        recipient_name="María López",
        account_id=None,
        reason="counsel",
        with_links=True,
        subject="Activity in Case 26-000123 López v. Federal Agency: Motion to reopen (entry 12)",
        body_text=TEXT,
        body_html=HTML,
        message_id=f"<{uuid.uuid4()}@openecf>",
        attempts=0,
        composed_at=datetime.now(UTC),
        entered_at=datetime.now(UTC),
        trace_id=None,
        token_id=None,
    )


def wire_bytes(message: Message) -> bytes:
    """What smtplib.send_message writes (its generator, CRLF line ends)."""
    out = io.BytesIO()
    policy = message.policy.clone(linesep="\r\n")
    BytesGenerator(out, policy=policy).flatten(message, linesep="\r\n")
    return out.getvalue()


def cpu_ms_each(work: Callable[[], object], count: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for _ in range(count):
            work()
        best = min(best, time.process_time() - started)
    return 1000 * best / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    notice = due()
    sender = "OpenECF <ecf-noreply@court.example>"

    def build() -> Message:
        return build_message(sender=sender, due=notice, text=TEXT, html=HTML)

    built = build()
    size = len(wire_bytes(built))
    build_ms = cpu_ms_each(build, args.count, args.repeat)
    flatten_ms = cpu_ms_each(lambda: wire_bytes(built), args.count, args.repeat)
    print(f"one NDA message, {size:,} bytes on the wire (CPU a message, best of {args.repeat}):")
    print(f"  build    {build_ms:.3f} ms")
    print(f"  flatten  {flatten_ms:.3f} ms")
    print(f"  both     {build_ms + flatten_ms:.3f} ms")
    record("nda_message", "build + flatten a NDA e-mail", build_ms + flatten_ms, "ms CPU")


if __name__ == "__main__":
    main()
