"""Notices at a steady rate: latency from entry recorded to SMTP accepted, and the max rate.

Starts the real local stack in a temporary folder (as ``nda_burst.py`` does: counsel registered
through the edge, a case opened in Kafka, one document stored in access so every NDA asks for
a free-look link), then:

1. the SMTP sink's own acceptance rate: ``--sink-messages`` messages of an NDA's size sent
   to it straight from here by as many SMTP connections as notify has sender threads, each
   connection reused (no notify, no Kafka): the floor of the notice path;
2. steps of a constant rate of ``docket.entry_recorded`` events (``--counsel`` NDAs each, a
   case of its own per step) for ``--step-seconds``, the rate doubling from ``--start-rate``
   NDAs/s while it is sustained (then one step halfway to the first rate not sustained):
   every NDA of the step accepted by the sink within
   ``--drain-seconds`` of the step's end, and no queue building up (the median latency of
   the step's last quarter at most 1.5 times its first quarter's, plus 0.25 s);
3. at half the highest sustained rate, a longer step (``--half-seconds``): p50 and p99.

Latency is from the entry's ``entered_at`` to the sink's acceptance of the message, read from
the sink's own record (the Maildir file name is the time it accepted the message, before its
250), matched to the entry by the NDA's ``X-OpenECF-Case`` and ``X-OpenECF-Entry`` headers.
Prints ratio lines (``notice ratio``: highest sustained rate / the sink's rate, goal ≥ 0.5;
``half-rate p99``: goal ≤ 1 s) with the load average.

    .venv/bin/python bench/steady_notices.py [--start-rate 10] [--step-seconds 10]
"""

from __future__ import annotations

import argparse
import email.policy
import os
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from nda_burst import Bench, percentiles
from summary import record
from support.api import remember_maildir
from support.stack import JAR_CACHE, stack_settings

from services.stack.smtp_sink import _KEY, read_messages
from services.stack.supervisor import LocalStack


@dataclass
class Step:
    rate: float  # NDAs a second offered
    case_number: str
    expected: int
    latencies: list[float]
    first_quarter: float
    last_quarter: float
    late: int  # NDAs not accepted by the end of the drain

    @property
    def sustained(self) -> bool:
        return self.late == 0 and self.last_quarter <= 1.5 * self.first_quarter + 0.25

    def line(self) -> str:
        if not self.latencies:
            return f"{self.rate:6.1f} NDAs/s: none delivered"
        spread = percentiles(self.latencies)
        return (
            f"{self.rate:6.1f} NDAs/s: {len(self.latencies)}/{self.expected} accepted,"
            f" p50 {spread['p50']:.3f} s, p99 {spread['p99']:.3f} s, quarters"
            f" {self.first_quarter:.3f} → {self.last_quarter:.3f} s"
            f" — {'sustained' if self.sustained else 'NOT sustained'}"
        )


def accepted_at(maildir: Path) -> dict[tuple[str, int], list[float]]:
    """(case, entry) -> the sink's acceptance times of the NDAs for it (epoch seconds)."""
    times: dict[tuple[str, int], list[float]] = {}
    for key in os.listdir(maildir / "new") if (maildir / "new").exists() else []:
        match = _KEY.match(key)
        if match is None:
            continue
        with open(maildir / "new" / key, "rb") as handle:
            head = handle.read(8192).decode("latin-1", errors="replace")
        case = entry = None
        for line in head.split("\n"):
            if line.startswith("X-OpenECF-Case:"):
                case = line.split(":", 1)[1].strip()
            elif line.startswith("X-OpenECF-Entry:"):
                entry = line.split(":", 1)[1].strip()
            elif not line.strip():
                break
        if case and entry and entry.isdigit():
            when = int(match.group(1)) + int(match.group(2)) / 1e6
            times.setdefault((case, int(entry)), []).append(when)
    return times


def sink_rate(host: str, port: int, sample: bytes, count: int, connections: int) -> float:
    """Messages a second the SMTP sink accepts, sent by ``connections`` reused connections."""
    per_connection = count // connections

    failures: list[BaseException] = []

    def send() -> None:
        try:
            with smtplib.SMTP(host, port, timeout=30) as smtp:
                for _ in range(per_connection):
                    smtp.sendmail("probe@bench.invalid", ["sink@bench.invalid"], sample)
        except BaseException as error:  # a refused probe would make the rate meaningless
            failures.append(error)

    threads = [threading.Thread(target=send) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"the SMTP sink refused the probe: {failures[0]!r}")
    return per_connection * connections / (time.perf_counter() - started)


def wait_quiet(bench: Bench, steps: list[Step], timeout: float = 180) -> None:
    """Until every NDA of the earlier steps is sent: a step must not inherit a queue."""
    cases = [s.case_number for s in steps]
    expected = sum(s.expected for s in steps)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = bench.sql(
            "SELECT count(*) FROM notify.notices WHERE case_number = ANY(%s) AND status = 'sent'",
            cases,
        )[0][0]
        if sent >= expected:
            return
        time.sleep(0.5)
    raise SystemExit(f"the earlier steps' NDAs were not all sent within {timeout:.0f} s")


def sample_message(maildir: Path) -> bytes:
    """A message of an NDA's size as notify wrote it, with no case header: no step counts it."""
    nda = next((m for m in read_messages(maildir) if m["X-OpenECF-Entry"]), None)
    size = len(nda.as_bytes()) if nda is not None else 4000
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "probe", "sink", "probe"
    message.set_content("\n".join("x" * 72 for _ in range(size // 73 + 1)))
    return message.as_bytes(policy=email.policy.SMTP)  # CRLF: bytes go to SMTP as they are


def run_step(
    bench: Bench,
    counsel: list,
    documents: list,
    *,
    rate: float,
    seconds: float,
    drain: float,
) -> Step:
    per_entry = len(counsel)
    case_number = bench.open_case(counsel)
    entries = max(1, round(rate * seconds / per_entry))
    interval = per_entry / rate
    entered: dict[int, float] = {}
    started = time.monotonic()
    for number in range(1, entries + 1):
        pause = started + (number - 1) * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        entered[number] = datetime.now(UTC).timestamp()  # what entry() puts in entered_at
        bench.entry(case_number, number, documents)
    bench.producer.flush(timeout=30)
    expected = entries * per_entry
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline:
        sent = bench.sql(
            "SELECT count(*) FROM notify.notices WHERE case_number = %s AND status = 'sent'",
            case_number,
        )[0][0]
        if sent >= expected:
            break
        time.sleep(0.2)
    accepted = accepted_at(bench.stack.maildir)
    by_entry = {
        number: [when - entered[number] for when in accepted.get((case_number, number), [])]
        for number in entered
    }
    latencies = [latency for values in by_entry.values() for latency in values]
    quarter = max(1, entries // 4)

    def median_of(numbers: range) -> float:
        values = [v for n in numbers for v in by_entry.get(n, [])]
        return statistics.median(values) if values else float("inf")

    return Step(
        rate=rate,
        case_number=case_number,
        expected=expected,
        latencies=latencies,
        first_quarter=median_of(range(1, quarter + 1)),
        last_quarter=median_of(range(entries - quarter + 1, entries + 1)),
        late=expected - len(latencies),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counsel", type=int, default=2)
    parser.add_argument("--start-rate", type=float, default=10.0, help="NDAs a second")
    parser.add_argument("--max-rate", type=float, default=1280.0)
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--drain-seconds", type=float, default=10.0)
    parser.add_argument("--half-seconds", type=float, default=20.0)
    parser.add_argument("--sink-messages", type=int, default=600)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="steady-notices-") as folder:
        settings = stack_settings(Path(folder)).model_copy(update={"log_level": "WARNING"})
        stack = LocalStack(
            settings=settings,
            cache_dir=JAR_CACHE,
            announce=lambda line: print(f"  {line}", file=sys.stderr),
        )
        try:
            stack.up()
            remember_maildir(stack.settings.edge_port, stack.maildir)
            bench = Bench(stack)
            counsel = bench.counsel(args.counsel)
            documents = [bench.document(pages=2)]
            warm = run_step(bench, counsel, documents, rate=4, seconds=2, drain=30)
            print(f"warm-up {warm.line()}", flush=True)

            sample = sample_message(stack.maildir)
            sink = sink_rate(
                settings.smtp_host,
                stack.settings.smtp_port,
                sample,
                args.sink_messages,
                stack.settings.notice_sender_threads,
            )
            print(
                f"SMTP sink alone: {sink:.1f} messages/s ({len(sample)} bytes each,"
                f" {stack.settings.notice_sender_threads} reused connections)",
                flush=True,
            )

            steps: list[Step] = []
            rate = args.start_rate
            while rate <= args.max_rate:
                step = run_step(
                    bench,
                    counsel,
                    documents,
                    rate=rate,
                    seconds=args.step_seconds,
                    drain=args.drain_seconds,
                )
                steps.append(step)
                print(f"step {step.line()}", flush=True)
                if not step.sustained:
                    break
                wait_quiet(bench, steps)
                rate *= 2
            highest = max((s.rate for s in steps if s.sustained), default=0.0)
            failed = [s.rate for s in steps if not s.sustained]
            if highest and failed:  # one step between the last sustained and the first not
                wait_quiet(bench, steps)
                step = run_step(
                    bench,
                    counsel,
                    documents,
                    rate=(highest + failed[0]) / 2,
                    seconds=args.step_seconds,
                    drain=args.drain_seconds,
                )
                steps.append(step)
                print(f"step {step.line()}", flush=True)
                if step.sustained:
                    highest = step.rate
            half = None
            if highest:
                wait_quiet(bench, steps)
                half = run_step(
                    bench,
                    counsel,
                    documents,
                    rate=highest / 2,
                    seconds=args.half_seconds,
                    drain=args.drain_seconds,
                )
                print(f"half the highest sustained rate: {half.line()}", flush=True)
            load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
            bench.producer.close(timeout=5)
        finally:
            stack.down()

    print(f"load average at the end {load}")
    print(f"highest sustained rate: {highest:.1f} NDAs/s (doubling steps from {args.start_rate})")
    print(f"notice ratio: {highest / sink:.2f}  (highest sustained / SMTP sink alone; goal >= 0.5)")
    record("steady_notices", "SMTP sink alone", sink, "messages/s")
    record("steady_notices", "highest sustained rate", highest, "NDAs/s")
    record("steady_notices", "ratio sustained / sink", highest / sink, "")
    if half is not None and half.latencies:
        spread = percentiles(half.latencies)
        print(
            f"half-rate p99: {spread['p99']:.3f} s  (p50 {spread['p50']:.3f} s at"
            f" {half.rate:.1f} NDAs/s; goal p99 <= 1 s)"
        )
        record("steady_notices", "p50 at half the sustained rate", spread["p50"], "s")
        record("steady_notices", "p99 at half the sustained rate", spread["p99"], "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
