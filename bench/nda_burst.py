"""NDA burst: 500 docket entries at once, every notice delivered, latency to the relay.

Starts the real local stack (PostgreSQL, Kafka, the SMTP sink, every service) in a temporary
folder on free ports, registers the counsel through the edge, opens one case by publishing
``docket.case_opened`` into Kafka, then publishes ``--entries`` ``docket.entry_recorded``
events as fast as Kafka takes them (each with ``--documents`` documents stored in access, so
every notice asks access for its free-look links). It waits until notify has every notice
``sent`` and reports, per notice, the latency from the entry's ``entered_at`` to the SMTP
relay accepting it (notify's ``sent_at``), the throughput, retries, and a check that the SMTP
sink holds exactly one message per Message-ID. Then, on the idle system, ``--singles`` lone
entries one at a time: the latency one NDA sees when nothing else is queued.

    .venv/bin/python bench/nda_burst.py [--entries 500] [--counsel 2] [--documents 1]
                                        [--sender-threads 3] [--singles 20] [--profile DIR]

It prints the CPU each of the stack's processes used for the burst beyond its idle rate, and
with ``--profile DIR`` py-spy samples notify, access and the edge during the burst and prints
each one's top functions (bench/profiling.py).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from court.v1 import (  # noqa: E402
    access_pb2_grpc,
    common_pb2,
    docket_pb2,
    events_pb2,
    filing_pb2,
)
from profiling import CpuAccount, Profiles, beyond_idle, print_cpu, print_top  # noqa: E402
from pypdf import PdfWriter  # noqa: E402
from summary import record  # noqa: E402
from support.api import register, remember_maildir  # noqa: E402
from support.stack import JAR_CACHE, stack_settings  # noqa: E402

from services.common.events import new_event  # noqa: E402
from services.common.grpc_client import open_channel  # noqa: E402
from services.common.identity import signer_for  # noqa: E402
from services.common.kafka import make_producer  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.common.wire import court_time_pb  # noqa: E402
from services.filing.vault import store_requests  # noqa: E402
from services.stack.smtp_sink import read_messages  # noqa: E402
from services.stack.supervisor import LocalStack  # noqa: E402


def court_time_proto(when: datetime) -> common_pb2.CourtTime:
    return court_time_pb(when, Settings().tz)  # the zone the stack's services run in


def pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": uuid.uuid4().hex})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(int(share * len(ordered)), len(ordered) - 1)]

    return {
        "min": round(ordered[0], 3),
        "p50": round(statistics.median(ordered), 3),
        "p90": round(at(0.90), 3),
        "p95": round(at(0.95), 3),
        "p99": round(at(0.99), 3),
        "max": round(ordered[-1], 3),
    }


class Bench:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.url = stack.settings.require_database_url()
        self.edge = f"http://127.0.0.1:{stack.settings.edge_port}"
        self.producer = make_producer(stack.settings.kafka_bootstrap, client_id="bench-nda")
        self.access = access_pb2_grpc.AccessServiceStub(
            open_channel(
                stack.settings.grpc_addr("access"),
                signer=signer_for(stack.settings.keys_dir, "filing"),
            )
        )

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(query, list(params)).fetchall()

    def counsel(self, count: int) -> list[docket_pb2.Counsel]:
        people = []
        for number in range(count):
            api, body = register(self.edge, "attorney")
            if number % 2:
                assert api.patch("/api/v1/accounts/me", json={"notice_format": "text"})
            people.append(
                docket_pb2.Counsel(account_id=api.account["account_id"], name=body["name"])
            )
        ids = [p.account_id for p in people]
        self.wait(
            lambda: (
                self.sql(
                    "SELECT count(*) FROM notify.recipients WHERE account_id = ANY(%s::uuid[])", ids
                )[0][0]
                == count
            ),
            "notify knows the counsel",
        )
        return people

    def document(self, pages: int) -> filing_pb2.FiledDocument:
        content = pdf(pages)
        reply = self.access.StoreDocument(
            store_requests(
                filename="order.pdf",
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                pages=pages,
                filing_id=str(uuid.uuid4()),
            ),
            timeout=60,
        )
        return filing_pb2.FiledDocument(
            document_id=reply.document_id, filename="order.pdf", pages=pages
        )

    def publish(self, event_type: str, case_number: str, payload: Any) -> Any:
        envelope = new_event(
            event_type=event_type, source="docket", subject=case_number, payload=payload
        )
        return self.producer.send(
            "docket.events", key=case_number.encode(), value=envelope.SerializeToString()
        )

    def open_case(self, counsel: list[docket_pb2.Counsel]) -> str:
        case_number = f"97-{uuid.uuid4().int % 10**6:06d}"
        self.publish(
            "docket.case_opened",
            case_number,
            events_pb2.CaseOpened(
                case_number=case_number,
                title="Burst v. Benchmark",
                case_type=common_pb2.CASE_TYPE_AGENCY,
                counsel=counsel,
            ),
        ).get(timeout=10)
        return case_number

    def entry(
        self, case_number: str, number: int, documents: list[filing_pb2.FiledDocument]
    ) -> Any:
        event = events_pb2.EntryRecorded(
            case_number=case_number,
            case_title="Burst v. Benchmark",
            case_type=common_pb2.CASE_TYPE_AGENCY,
            entry_number=number,
            text=f"ORDER {number}: the motion is granted.",
            filer="Clerk",
            documents=documents,
            filing_type=common_pb2.FILING_TYPE_OTHER,
        )
        now = court_time_proto(datetime.now(UTC))
        event.entered_at.CopyFrom(now)
        event.filed_at.CopyFrom(now)
        return self.publish("docket.entry_recorded", case_number, event)

    def wait(self, predicate: Any, what: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            time.sleep(0.1)

    def latencies(self, case_number: str, until: str = "n.sent_at") -> list[float]:
        return [
            float(seconds)
            for (seconds,) in self.sql(
                f"SELECT extract(epoch FROM {until} - e.entered_at) FROM notify.notices n"
                " JOIN notify.entries e USING (case_number, entry_number)"
                " WHERE n.case_number = %s AND n.status = 'sent'",
                case_number,
            )
        ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="nda-burst-") as folder:
        settings = stack_settings(Path(folder)).model_copy(
            update={"notice_sender_threads": args.sender_threads, "log_level": "WARNING"}
        )
        stack = LocalStack(
            settings=settings,
            cache_dir=JAR_CACHE,
            announce=lambda line: print(f"  {line}", file=sys.stderr),
        )
        try:
            stack.up()
            remember_maildir(stack.settings.edge_port, stack.maildir)  # register() confirms
            bench = Bench(stack)
            counsel = bench.counsel(args.counsel)
            documents = [bench.document(pages=2) for _ in range(args.documents)]
            case_number = bench.open_case(counsel)
            expected = args.entries * args.counsel
            cpu = CpuAccount(
                {c.process.pid: n for n, c in stack.children.items() if c.process},
                data_dir=Path(folder),
            )
            idle = cpu.idle_rate(5.0)
            profiles = Profiles(args.profile) if args.profile else None
            if profiles:
                profiles.start(
                    {
                        name: stack.children[name].process.pid  # type: ignore[union-attr]
                        for name in ("notify", "access", "docket")
                    }
                )
            cpu.start()
            print(f"publishing {args.entries} entries → {expected} NDAs …", file=sys.stderr)
            started = time.monotonic()
            futures = [bench.entry(case_number, n, documents) for n in range(1, args.entries + 1)]
            for future in futures:
                future.get(timeout=30)
            published = time.monotonic() - started
            bench.wait(
                lambda: (
                    bench.sql(
                        "SELECT count(*) FROM notify.notices WHERE case_number = %s"
                        " AND status = 'sent'",
                        case_number,
                    )[0][0]
                    == expected
                ),
                "every NDA sent",
            )
            elapsed = time.monotonic() - started
            used = beyond_idle(cpu.stop(), idle, elapsed)
            print("CPU beyond what the processes use idle (5 s measured before the burst):")
            print_cpu(used, expected, per="NDA")
            if profiles:
                print_top(profiles.stop())
            burst = bench.latencies(case_number)
            recorded = bench.latencies(case_number, "n.created_at")
            composed = bench.latencies(case_number, "n.composed_at")
            retries = bench.sql(
                "SELECT coalesce(sum(attempts - 1), 0) FROM notify.notices WHERE case_number = %s",
                case_number,
            )[0][0]
            per_id = Counter(
                str(m["Message-ID"])
                for m in read_messages(stack.maildir)
                if m["X-OpenECF-Case"] == case_number
            )

            singles: list[float] = []
            single_case = bench.open_case(counsel[:1])
            for number in range(1, args.singles + 1):
                bench.entry(single_case, number, documents).get(timeout=10)
                bench.wait(
                    lambda n=number: (
                        bench.sql(
                            "SELECT count(*) FROM notify.notices WHERE case_number = %s"
                            " AND entry_number = %s AND status = 'sent'",
                            single_case,
                            n,
                        )[0][0]
                        == 1
                    ),
                    "the single NDA sent",
                )
                time.sleep(0.3)
            if args.singles:
                singles = bench.latencies(single_case)
            bench.producer.close(timeout=5)
        finally:
            stack.down()
    return {
        "entries": args.entries,
        "counsel": args.counsel,
        "documents_per_entry": args.documents,
        "sender_threads": args.sender_threads,
        "notices": expected,
        "publish_seconds": round(published, 2),
        "all_sent_seconds": round(elapsed, 2),
        "notices_per_second": round(expected / elapsed, 1),
        "burst_latency_seconds": percentiles(burst),
        "burst_recorded_seconds": percentiles(recorded),
        "burst_composed_seconds": percentiles(composed),
        "single_latency_seconds": percentiles(singles) if singles else None,
        "retries": int(retries),
        "messages_in_sink": sum(per_id.values()),
        "distinct_message_ids": len(per_id),
        "duplicates": sum(n - 1 for n in per_id.values()),
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--counsel", type=int, default=2)
    parser.add_argument("--documents", type=int, default=1)
    parser.add_argument("--sender-threads", type=int, default=3)
    parser.add_argument("--singles", type=int, default=20)
    parser.add_argument("--profile", type=Path, help="py-spy notify, access and docket into DIR")
    result = run(parser.parse_args())
    print(json.dumps(result, indent=2))
    record("nda_burst", "NDAs sent in a burst", result["notices_per_second"], "NDAs/s")
    burst = result["burst_latency_seconds"]
    record("nda_burst", "burst latency entry → SMTP p50", burst["p50"], "s")
    record("nda_burst", "burst latency entry → SMTP p99", burst["p99"], "s")
    if result["single_latency_seconds"]:
        record("nda_burst", "single NDA p50", result["single_latency_seconds"]["p50"], "s")
        record("nda_burst", "single NDA p99", result["single_latency_seconds"]["p99"], "s")
    assert result["distinct_message_ids"] == result["notices"] == result["messages_in_sink"]


if __name__ == "__main__":
    main()
