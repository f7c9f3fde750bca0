"""Driving docket as the filing service does: filing events straight into Kafka.

Filers are real accounts registered through the edge; their filings are FilingSubmitted
(or FilingAccepted) events on ``filing.events``; what docket made of them is read back
through the edge and from ``docket.events``.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from court.v1 import common_pb2, events_pb2, filing_pb2
from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition
from support.api import Api, register, wait_for
from support.stack import COURT_TZ

from services.common.events import new_event
from services.common.wire import court_time_pb

FILING_TOPIC = "filing.events"
DOCKET_TOPIC = "docket.events"
LEAD, ATTACHMENT = filing_pb2.DOCUMENT_ROLE_LEAD, filing_pb2.DOCUMENT_ROLE_ATTACHMENT


@dataclass
class Filer:
    api: Api
    account_id: str
    name: str
    firm: str


@dataclass
class DocketDriver:
    producer: KafkaProducer
    bootstrap: str
    edge_url: str
    sent: list[events_pb2.EventEnvelope] = field(default_factory=list)

    # -- filers and filings ---------------------------------------------------------------

    def attorney(self, name: str | None = None) -> Filer:
        extra = {"name": name} if name else {}
        api, body = register(self.edge_url, "attorney", **extra)
        return Filer(api, api.account["account_id"], body["name"], body["firm"])

    def filing(
        self,
        filer: Filer,
        filing_type: common_pb2.FilingType.ValueType,
        *,
        case_number: str = "",
        description: str = "",
        title: str = "",
        case_type: common_pb2.CaseType.ValueType = common_pb2.CASE_TYPE_UNSPECIFIED,
        parties: list[common_pb2.Party] | None = None,
        requires_review: bool = False,
        received_at: datetime | None = None,
        documents: int = 1,
    ) -> events_pb2.FilingSubmitted:
        return events_pb2.FilingSubmitted(
            filing_id=str(uuid.uuid4()),
            filing_type=filing_type,
            case_number=case_number,
            title=title,
            case_type=case_type,
            parties=parties or [],
            filer_account_id=filer.account_id,
            filer_name=filer.name,
            filer_firm=filer.firm,
            received_at=court_time_pb(received_at or datetime.now(UTC), COURT_TZ),
            documents=[
                filing_pb2.FiledDocument(
                    document_id=str(uuid.uuid4()),
                    role=filing_pb2.DOCUMENT_ROLE_LEAD
                    if n == 0
                    else filing_pb2.DOCUMENT_ROLE_ATTACHMENT,
                    filename="lead.pdf" if n == 0 else f"attachment-{n}.pdf",
                    sha256="0" * 64,
                    pages=3 + n,
                    size_bytes=2048,
                )
                for n in range(documents)
            ],
            description=description,
            requires_review=requires_review,
        )

    def petition(
        self,
        filer: Filer,
        *,
        title: str,
        case_type: common_pb2.CaseType.ValueType = common_pb2.CASE_TYPE_AGENCY,
        petitioner: str = "Maria Lopez",
        respondent: str = "Attorney General",
    ) -> events_pb2.FilingSubmitted:
        return self.filing(
            filer,
            common_pb2.FILING_TYPE_PETITION_FOR_REVIEW,
            title=title,
            case_type=case_type,
            parties=[
                common_pb2.Party(name=petitioner, role=common_pb2.PARTY_ROLE_PETITIONER),
                common_pb2.Party(name=respondent, role=common_pb2.PARTY_ROLE_RESPONDENT),
            ],
            description="Petition for review of an agency order",
        )

    # -- publishing -----------------------------------------------------------------------

    def envelope(
        self, filing: events_pb2.FilingSubmitted, *, accepted: bool = False
    ) -> events_pb2.EventEnvelope:
        if accepted:
            payload: Any = events_pb2.FilingAccepted(filing_id=filing.filing_id, filing=filing)
            payload.accepted_at.FromDatetime(datetime.now(UTC))
            event_type = "filing.accepted"
        else:
            payload, event_type = filing, "filing.submitted"
        return new_event(
            event_type=event_type, source="filing", subject=filing.filing_id, payload=payload
        )

    def send(self, envelope: events_pb2.EventEnvelope, *, key: str | None = None) -> None:
        self.producer.send(
            FILING_TOPIC,
            key=(key or envelope.subject).encode(),
            value=envelope.SerializeToString(),
        ).get(timeout=10)
        self.sent.append(envelope)

    def submit(self, filing: events_pb2.FilingSubmitted, *, accepted: bool = False) -> None:
        self.send(self.envelope(filing, accepted=accepted))

    # -- reading back ---------------------------------------------------------------------

    def open_case(self, filer: Filer, **petition: Any) -> str:
        """File a petition and wait for its case; returns the case number."""
        filing = self.petition(filer, **petition)
        self.submit(filing)
        return self.case_of(filer.api, filing.title)

    def case_of(self, api: Api, title: str) -> str:
        def found() -> str | None:
            reply = api.get("/api/v1/cases", params={"q": title})
            assert reply.status_code == 200, reply.text
            cases = [c for c in reply.json()["cases"] if c["title"] == title]
            return cases[0]["case_number"] if cases else None

        return wait_for(found, 30, what=f"case {title!r} opened")

    def docket(self, api: Api, case_number: str, **params: Any) -> dict[str, Any]:
        reply = api.get(f"/api/v1/cases/{case_number}/docket", params=params)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def wait_entries(
        self, api: Api, case_number: str, count: int, timeout: float = 30
    ) -> list[dict[str, Any]]:
        """Wait for ``count`` entries; returns them all (every page)."""
        wait_for(
            lambda: self.docket(api, case_number, page_size=1)["total_size"] >= count,
            timeout,
            what=f"{count} entries in {case_number}",
        )
        entries: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.docket(api, case_number, page_size=200, page_token=token or "")
            entries += page["entries"]
            token = page["next_page_token"]
            if not token:
                return entries

    def docket_events(
        self, case_number: str, *, until: Any = None, timeout: float = 20
    ) -> list[tuple[str, Any]]:
        """(type, payload) of every docket event keyed by ``case_number``, in topic order;
        waits until ``until(events)`` holds."""
        from services.docket.events import (
            APPEARANCE_ENTERED,
            CASE_OPENED,
            ENTRY_RECORDED,
            ENTRY_SEALED,
        )

        types = {
            CASE_OPENED: events_pb2.CaseOpened,
            ENTRY_RECORDED: events_pb2.EntryRecorded,
            APPEARANCE_ENTERED: events_pb2.AppearanceEntered,
            ENTRY_SEALED: events_pb2.EntrySealed,
        }

        def read() -> list[tuple[str, Any]] | None:
            found = []
            for record in read_topic(self.bootstrap, DOCKET_TOPIC):
                if record.key != case_number.encode():
                    continue
                envelope = events_pb2.EventEnvelope.FromString(record.value)
                payload = types[envelope.type]()
                envelope.payload.Unpack(payload)
                found.append((envelope.type, payload))
            return found if until is None or until(found) else None

        return wait_for(read, timeout, what=f"docket events of {case_number}")


def docket_rows(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of a query in docket's schema, read as the database sees them."""
    with psycopg.connect(database_url, options="-c search_path=docket", autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def read_topic(bootstrap: str, topic: str) -> list[Any]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + 10
        while (
            any(consumer.position(p) < end[p] for p in partitions) and time.monotonic() < deadline
        ):
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        records.sort(key=lambda r: (r.partition, r.offset))
        return records
    finally:
        consumer.close()
