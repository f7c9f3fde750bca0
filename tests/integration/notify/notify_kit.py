"""Helpers for the notify tests (pytest puts this folder on sys.path).

A kit that registers people through the edge and waits until notify's recipients view knows
them, stores documents in access as the filing service would, builds cases by publishing
docket events straight into Kafka, reads the mail the SMTP sink kept, and looks at notify's
schema to know where each delivery stands. ``dedicated_notify`` swaps the stack's notify for
one talking to an SMTP sink of the test's own (for injected faults) and back.
"""

from __future__ import annotations

import hashlib
import io
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import grpc
import psycopg
from court.v1 import access_pb2, access_pb2_grpc, common_pb2, docket_pb2, events_pb2, filing_pb2
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from pypdf import PdfWriter
from support.api import (
    PASSWORD,
    Api,
    confirm_address,
    maildir_of,
    register,
    remember_maildir,
    unique,
    wait_for,
)
from support.metrics import metric_sum, metrics_url
from support.stack import COURT_TZ

from services.common.events import decode_envelope, new_event
from services.common.identity import SERVICE_IDENTITY, signer_for
from services.common.kafka import make_producer
from services.common.wire import court_time_pb
from services.filing.vault import store_requests
from services.stack.smtp_sink import SmtpSink, read_messages
from services.stack.supervisor import LocalStack

FREE_LOOK = re.compile(r"/api/v1/free-looks/([A-Za-z0-9_\-]+)")
MAX_MESSAGE = 64 * 1024 * 1024


@dataclass
class Person:
    api: Api
    account_id: str
    name: str
    email: str
    secondary: list[str] = field(default_factory=list)

    @property
    def counsel(self) -> docket_pb2.Counsel:
        return docket_pb2.Counsel(
            account_id=self.account_id, name=self.name, firm="Test LLP", party_name="Petitioner"
        )


@dataclass(frozen=True)
class Document:
    document_id: str
    filename: str
    pages: int


def pdf_bytes(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": uuid.uuid4().hex})  # unique content
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def message_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def message_html(message: EmailMessage) -> str | None:
    part = message.get_body(preferencelist=("html",))
    return None if part is None else str(part.get_content())


def recipient_of(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec.lower()


class NotifyKit:
    def __init__(self, stack: LocalStack, edge_url: str) -> None:
        self.stack = stack
        self.settings = stack.settings
        self.edge_url = edge_url
        self.database_url = stack.settings.require_database_url()
        self.as_filing = signer_for(stack.settings.keys_dir, "filing")
        self.producer = make_producer(stack.settings.kafka_bootstrap, client_id="test-notify")
        self.channel = grpc.insecure_channel(
            stack.settings.grpc_addr("access"),
            options=[
                ("grpc.max_send_message_length", MAX_MESSAGE),
                ("grpc.max_receive_message_length", MAX_MESSAGE),
            ],
        )
        self.access = access_pb2_grpc.AccessServiceStub(self.channel)

    def close(self) -> None:
        self.producer.close(timeout=5)
        self.channel.close()

    # -- people --------------------------------------------------------------------------

    def person(
        self,
        role: str = "attorney",
        *,
        notice_format: str = "html",
        notices_enabled: bool = True,
        secondary: Sequence[tuple[str, Sequence[str] | None]] = (),
    ) -> Person:
        """A registered account, its preferences set, once notify's view has caught up."""
        api, body = register(self.edge_url, role)
        person = Person(api, api.account["account_id"], body["name"], body["email"])
        changes: dict[str, Any] = {}
        if notice_format != "html":
            changes["notice_format"] = notice_format
        if not notices_enabled:
            changes["notices_enabled"] = False
        if secondary:
            changes["secondary_emails"] = [
                {"email": email, "cases": None if cases is None else list(cases)}
                for email, cases in secondary
            ]
            person.secondary = [email for email, _ in secondary]
            changes["current_password"] = PASSWORD  # a new address asks for the password
        if changes:
            patched = api.patch("/api/v1/accounts/me", json=changes)
            assert patched.status_code == 200, patched.text
        for email in person.secondary:
            confirm_address(self.edge_url, maildir_of(self.edge_url), email)
        wait_for(
            lambda: self.sql(
                "SELECT 1 FROM notify.recipients r WHERE account_id = %s AND notice_format = %s"
                " AND notices_enabled = %s AND (SELECT count(*) FROM notify.secondary_emails s"
                " WHERE s.account_id = r.account_id) = %s",
                person.account_id,
                notice_format,
                notices_enabled,
                len(secondary),
            ),
            what=f"notify knows {person.email}",
        )
        return person

    # -- documents -----------------------------------------------------------------------

    def store_document(self, *, pages: int = 1, filename: str = "document.pdf") -> Document:
        """A PDF in access's vault, stored with the filing service's identity."""
        content = pdf_bytes(pages)
        reply = self.access.StoreDocument(
            store_requests(
                filename=filename,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                pages=pages,
                filing_id=str(uuid.uuid4()),
            ),
            metadata=(
                (SERVICE_IDENTITY, self.as_filing.token("/court.v1.AccessService/StoreDocument")),
            ),
            timeout=60,
        )
        return Document(reply.document_id, filename, pages)

    def free_look(self, token: str) -> access_pb2.GetFreeLookResponse:
        """The confirmation step of a link (does not use it up)."""
        return self.access.GetFreeLook(access_pb2.GetFreeLookRequest(token=token), timeout=10)

    # -- docket events -------------------------------------------------------------------

    @staticmethod
    def new_case_number() -> str:
        return f"98-{uuid.uuid4().int % 10**6:06d}"

    def publish(self, event_type: str, case_number: str, payload: Message) -> None:
        envelope = new_event(
            event_type=event_type, source="docket", subject=case_number, payload=payload
        )
        self.producer.send(
            "docket.events", key=case_number.encode(), value=envelope.SerializeToString()
        ).get(timeout=10)

    def open_case(
        self,
        counsel: Sequence[Person | docket_pb2.Counsel] = (),
        *,
        case_type: common_pb2.CaseType.ValueType = common_pb2.CASE_TYPE_AGENCY,
        title: str | None = None,
        parties: Sequence[common_pb2.Party] = (),
    ) -> str:
        case_number = self.new_case_number()
        self.publish(
            "docket.case_opened",
            case_number,
            events_pb2.CaseOpened(
                case_number=case_number,
                title=title or f"Petitioner {case_number[-4:]} v. Agency",
                case_type=case_type,
                counsel=[p.counsel if isinstance(p, Person) else p for p in counsel],
                parties=parties,
            ),
        )
        return case_number

    def publish_auth(self, event_type: str, account_id: str, payload: Message) -> None:
        envelope = new_event(
            event_type=event_type, source="auth", subject=account_id, payload=payload
        )
        self.producer.send(
            "auth.events", key=account_id.encode(), value=envelope.SerializeToString()
        ).get(timeout=10)

    def register_attorney(self, account_id: str, name: str, email: str, **fields: Any) -> None:
        """auth.account_registered for an attorney only notify hears of (none in auth)."""
        registered = events_pb2.AccountRegistered(
            account_id=account_id,
            username=unique("attorney"),
            name=name,
            email=email,  # auth sends "" until the address is confirmed
            role=common_pb2.ROLE_ATTORNEY,
            notices_enabled=True,
            **fields,
        )
        self.publish_auth("auth.account_registered", account_id, registered)

    def wait_case_known(self, case_number: str) -> None:
        wait_for(
            lambda: self.sql("SELECT 1 FROM notify.cases WHERE case_number = %s", case_number),
            what=f"notify knows case {case_number}",
        )

    def appear(self, case_number: str, person: Person, entry_number: int) -> None:
        event = events_pb2.AppearanceEntered(
            case_number=case_number, counsel=person.counsel, entry_number=entry_number
        )
        event.entered_at.CopyFrom(court_time_proto(datetime.now(UTC)))
        self.publish("docket.appearance_entered", case_number, event)

    def record(
        self,
        case_number: str,
        entry_number: int,
        *,
        text: str | None = None,
        documents: Sequence[Document] = (),
        filer: str = "Counsel for Petitioner",
        title: str | None = None,
        case_type: common_pb2.CaseType.ValueType = common_pb2.CASE_TYPE_AGENCY,
        filing_type: common_pb2.FilingType.ValueType = common_pb2.FILING_TYPE_MOTION,
        entered_at: datetime | None = None,
        filed_at: datetime | None = None,
        sealed: bool = False,
        send: bool = True,
    ) -> events_pb2.EntryRecorded:
        entered = entered_at or datetime.now(UTC)
        event = events_pb2.EntryRecorded(
            case_number=case_number,
            case_title=title or f"Petitioner {case_number[-4:]} v. Agency",
            case_type=case_type,
            entry_number=entry_number,
            text=text or f"MOTION for an extension of time, entry {entry_number}.",
            filer=filer,
            documents=[
                filing_pb2.FiledDocument(
                    document_id=d.document_id, filename=d.filename, pages=d.pages
                )
                for d in documents
            ],
            sealed=sealed,
            filing_type=filing_type,
        )
        event.entered_at.CopyFrom(court_time_proto(entered))
        event.filed_at.CopyFrom(court_time_proto(filed_at or entered))
        if send:
            self.publish("docket.entry_recorded", case_number, event)
        return event

    def seal(self, case_number: str, entry_number: int) -> None:
        """What docket publishes when the clerk seals an entry."""
        event = events_pb2.EntrySealed(case_number=case_number, entry_number=entry_number)
        self.publish("docket.entry_sealed", case_number, event)

    # -- mail ----------------------------------------------------------------------------

    def messages(self, case_number: str, maildir: Path | None = None) -> list[EmailMessage]:
        return [
            m
            for m in read_messages(maildir or self.stack.maildir)
            if m["X-OpenECF-Case"] == case_number
        ]

    def wait_messages(
        self,
        case_number: str,
        count: int,
        *,
        maildir: Path | None = None,
        timeout: float = 30.0,
    ) -> list[EmailMessage]:
        found = wait_for(
            lambda: (lambda m: m if len(m) >= count else None)(self.messages(case_number, maildir)),
            timeout,
            what=f"{count} messages about {case_number}",
        )
        return found

    # -- notify's schema -----------------------------------------------------------------

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(query, list(params))
            return cursor.fetchall() if cursor.description else []

    def deliveries(self, case_number: str) -> dict[tuple[int, str], dict[str, Any]]:
        """(entry number, lower-case address) → the notice row's delivery columns."""
        rows = self.sql(
            "SELECT entry_number, lower(recipient_email), notice_id::text, status, attempts,"
            " last_error, reason, message_id FROM notify.notices WHERE case_number = %s",
            case_number,
        )
        keys = ("notice_id", "status", "attempts", "last_error", "reason", "message_id")
        return {(row[0], row[1]): dict(zip(keys, row[2:], strict=True)) for row in rows}

    def statuses(self, case_number: str) -> Counter[str]:
        return Counter(
            status
            for (status,) in self.sql(
                "SELECT status FROM notify.notices WHERE case_number = %s", case_number
            )
        )

    def notify_events(self, event_type: str, timeout: float = 10.0) -> list[Any]:
        """Every ``event_type`` payload on notify.events so far."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap, enable_auto_commit=False
        )
        try:
            partitions = [
                TopicPartition("notify.events", p)
                for p in consumer.partitions_for_topic("notify.events") or []
            ]
            consumer.assign(partitions)
            consumer.seek_to_beginning()
            end = consumer.end_offsets(partitions)
            found = []
            deadline = time.monotonic() + timeout
            while (
                any(consumer.position(p) < end[p] for p in partitions)
                and time.monotonic() < deadline
            ):
                for records in consumer.poll(timeout_ms=500).values():
                    for record in records:
                        envelope = decode_envelope(record.value)
                        if envelope.type != event_type:
                            continue
                        payload = (
                            events_pb2.NoticeFailed()
                            if event_type == "notify.notice_failed"
                            else events_pb2.NoticeSent()
                        )
                        envelope.payload.Unpack(payload)
                        found.append(payload)
            return found
        finally:
            consumer.close()

    def metric(self, name: str, **labels: str) -> float:
        return metric_sum(metrics_url(self.settings.metrics_port("notify")), name, **labels)

    # -- the notify process --------------------------------------------------------------

    @contextmanager
    def dedicated_notify(
        self, sink: SmtpSink, **settings: str
    ) -> Iterator[subprocess.Popen[bytes]]:
        """Run notify against ``sink`` (and ``OPENECF_*`` overrides) instead of the stack's."""
        self.stack.stop_child("notify")
        env = {
            **self.stack.child_env(),
            "OPENECF_SMTP_PORT": str(sink.port),
            **{f"OPENECF_{k.upper()}": v for k, v in settings.items()},
        }
        log = (self.stack.log_dir / "notify-dedicated.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "serve", "notify"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        edge_port = self.stack.settings.edge_port
        try:
            self.wait_healthy(process)
            # Registrations' confirmation links now reach this sink: register() reads them there.
            remember_maildir(edge_port, sink.maildir)
            yield process
        finally:
            remember_maildir(edge_port, self.stack.maildir)
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
            self.stack.restart_child("notify")

    def wait_healthy(self, process: subprocess.Popen[bytes] | None = None) -> None:
        with grpc.insecure_channel(self.settings.grpc_addr("notify")) as channel:
            stub = health_pb2_grpc.HealthStub(channel)

            def serving() -> bool:
                if process is not None:
                    assert process.poll() is None, "notify exited"
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                except grpc.RpcError:
                    return False
                return reply.status == health_pb2.HealthCheckResponse.SERVING

            wait_for(serving, 60, what="notify serving")


def court_time_proto(when: datetime) -> common_pb2.CourtTime:
    return court_time_pb(when, COURT_TZ)  # the zone the stack's services run in


def message_ids(messages: Sequence[EmailMessage]) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in messages)
