"""Helpers for the access tests (imported by them; pytest puts this folder on sys.path): a kit
that stores documents as the filing service would, builds access's view of cases by publishing
docket events straight into Kafka, and looks at access's schema to know when an event has been
applied."""

from __future__ import annotations

import hashlib
import io
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
import httpx
import psycopg
from court.v1 import access_pb2, access_pb2_grpc, common_pb2, docket_pb2, events_pb2, filing_pb2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import Message
from pypdf import PdfWriter
from support.api import wait_for
from support.metrics import metric_sum, metrics_url
from support.stack import COURT_TZ

from services.common.events import new_event
from services.common.identity import SERVICE_IDENTITY, ServiceSigner, signer_for
from services.common.kafka import make_producer
from services.common.wire import court_time_pb
from services.filing.vault import store_requests
from services.stack.supervisor import LocalStack

MAX_MESSAGE = 64 * 1024 * 1024


def pdf_bytes(*, pages: int = 1, label: str | None = None) -> bytes:
    """A small valid PDF, unique (its title) so tests never share stored content."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": label or uuid.uuid4().hex})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class Stored:
    document_id: str
    content: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def forged_identity(name: str, method: str) -> list[tuple[str, str]]:
    """A token claiming to be ``name``, signed with a key the court never issued."""
    signer = ServiceSigner(service=name, key=Ed25519PrivateKey.generate())
    return [(SERVICE_IDENTITY, signer.token(f"/court.v1.AccessService/{method}"))]


class AccessKit:
    def __init__(self, stack: LocalStack) -> None:
        self.settings = stack.settings
        self.database_url = stack.settings.require_database_url()
        self.channel = grpc.insecure_channel(
            stack.settings.grpc_addr("access"),
            options=[
                ("grpc.max_send_message_length", MAX_MESSAGE),
                ("grpc.max_receive_message_length", MAX_MESSAGE),
            ],
        )
        self.stub = access_pb2_grpc.AccessServiceStub(self.channel)
        self.producer = make_producer(stack.settings.kafka_bootstrap, client_id="test-access")
        self.metrics_url = metrics_url(stack.settings.metrics_port("access"))

    def close(self) -> None:
        self.producer.close(timeout=5)
        self.channel.close()

    # -- identities ----------------------------------------------------------------------

    def service(self, name: str, method: str, **sign: Any) -> list[tuple[str, str]]:
        """A fresh token of service ``name`` (its own key) for one AccessService call."""
        signer = signer_for(self.settings.keys_dir, name)
        return [(SERVICE_IDENTITY, signer.token(f"/court.v1.AccessService/{method}", **sign))]

    # -- the vault -----------------------------------------------------------------------

    def store(
        self,
        content: bytes | None = None,
        *,
        pages: int = 1,
        filename: str = "document.pdf",
        case_number: str = "",
    ) -> Stored:
        content = content if content is not None else pdf_bytes()
        requests = store_requests(
            filename=filename,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            pages=pages,
            filing_id=str(uuid.uuid4()),
            case_number=case_number,
        )
        reply = self.stub.StoreDocument(
            requests, metadata=self.service("filing", "StoreDocument"), timeout=60
        )
        return Stored(reply.document_id, content, pages)

    # -- docket events -------------------------------------------------------------------

    def publish(self, event_type: str, case_number: str, payload: Message) -> None:
        envelope = new_event(
            event_type=event_type, source="docket", subject=case_number, payload=payload
        )
        self.producer.send(
            "docket.events", key=case_number.encode(), value=envelope.SerializeToString()
        ).get(timeout=10)

    @staticmethod
    def new_case_number() -> str:
        return f"99-{uuid.uuid4().int % 10**8:08d}"

    def open_case(self, case_type: str, *, counsel: Sequence[str] = ()) -> str:
        case_number = self.new_case_number()
        self.publish(
            "docket.case_opened",
            case_number,
            events_pb2.CaseOpened(
                case_number=case_number,
                title=f"Test v. Access {case_number}",
                case_type=case_type_value(case_type),
                opened_at=court_now(),
                counsel=[docket_pb2.Counsel(account_id=a, name="Counsel") for a in counsel],
            ),
        )
        return case_number

    def record_entry(
        self,
        case_number: str,
        case_type: str,
        entry_number: int,
        documents: Sequence[Stored],
        *,
        sealed: bool = False,
    ) -> None:
        self.publish(
            "docket.entry_recorded",
            case_number,
            events_pb2.EntryRecorded(
                case_number=case_number,
                case_type=case_type_value(case_type),
                entry_number=entry_number,
                case_title=f"Test v. Access {case_number}",
                text="Test entry",
                filed_at=court_now(),
                entered_at=court_now(),
                filing_type=common_pb2.FILING_TYPE_MOTION,
                documents=[
                    filing_pb2.FiledDocument(
                        document_id=d.document_id, pages=d.pages, sha256=d.sha256
                    )
                    for d in documents
                ],
                sealed=sealed,
            ),
        )
        for document in documents:
            self.wait_docketed(document.document_id, sealed=sealed)

    def seal_entry(self, case_number: str, entry_number: int, documents: Sequence[Stored]) -> None:
        self.publish(
            "docket.entry_sealed",
            case_number,
            events_pb2.EntrySealed(
                case_number=case_number,
                entry_number=entry_number,
                document_ids=[d.document_id for d in documents],
            ),
        )
        for document in documents:
            self.wait_docketed(document.document_id, sealed=True)

    def appear(self, case_number: str, account_id: str) -> None:
        self.publish(
            "docket.appearance_entered",
            case_number,
            events_pb2.AppearanceEntered(
                case_number=case_number, counsel=docket_pb2.Counsel(account_id=account_id)
            ),
        )
        wait_for(
            lambda: self.sql(
                "SELECT 1 FROM access.counsel WHERE case_number = %s AND account_id = %s",
                case_number,
                account_id,
            ),
            what="the appearance in access's view",
        )

    def docketed_case(
        self,
        case_type: str,
        *,
        counsel: Sequence[str] = (),
        pages: int = 1,
        sealed: bool = False,
    ) -> tuple[str, Stored]:
        """A case of ``case_type`` with one document on entry 1."""
        case_number = self.open_case(case_type, counsel=counsel)
        document = self.store(pages=pages, case_number=case_number)
        self.record_entry(case_number, case_type, 1, [document], sealed=sealed)
        return case_number, document

    def wait_docketed(self, document_id: str, *, sealed: bool = False) -> None:
        wait_for(
            lambda: self.sql(
                "SELECT 1 FROM access.document_cases WHERE document_id = %s AND sealed = %s",
                document_id,
                sealed,
            ),
            what=f"document {document_id} docketed (sealed={sealed}) in access's view",
        )

    # -- free looks ----------------------------------------------------------------------

    def issue_free_look(
        self, document: Stored, email: str, *, case_number: str = "", entry_number: int = 1
    ) -> str:
        reply = self.stub.IssueFreeLook(
            access_pb2.IssueFreeLookRequest(
                document_id=document.document_id,
                recipient_email=email,
                case_number=case_number,
                entry_number=entry_number,
            ),
            metadata=self.service("notify", "IssueFreeLook"),
            timeout=10,
        )
        return reply.token

    # -- looking inside ------------------------------------------------------------------

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(query, list(params))
            return cursor.fetchall() if cursor.description else []

    def metric(self, name: str, **labels: str) -> float:
        """The current value of an access metric (its samples with these labels, summed)."""
        return metric_sum(self.metrics_url, name, **labels)

    def audit(self, document_id: str) -> list[tuple[Any, ...]]:
        return self.sql(
            "SELECT action, account_id, free_look_id::text, outcome, reason, fee_cents"
            " FROM access.access_audit WHERE document_id = %s ORDER BY audit_id",
            document_id,
        )


def court_now() -> common_pb2.CourtTime:
    return court_time_pb(datetime.now(UTC), COURT_TZ)


def case_type_value(name: str) -> common_pb2.CaseType.ValueType:
    return common_pb2.CaseType.Value(f"CASE_TYPE_{name.upper()}")


def sha256_of_stream(response: httpx.Response) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in response.iter_bytes():
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def elapsed(started: float) -> float:
    return time.monotonic() - started
