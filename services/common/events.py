"""Building and reading event envelopes, and where each event type is published."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

from court.v1 import events_pb2
from google.protobuf.message import DecodeError, Message

from services.common.clock import system_clock
from services.common.errors import PermanentEventError
from services.common.logs import current_trace_id

M = TypeVar("M", bound=Message)

# Domain topics: key = case id (or account id for auth), payload = EventEnvelope.
DOMAIN_TOPICS = ("auth.events", "filing.events", "docket.events", "notify.events", "access.events")
MAINTENANCE_TOPIC = "platform.maintenance"
DEAD_LETTER_TOPIC = "platform.deadletter"

# Topic configs the stack (and the chart's docs) create them with.
TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    **{topic: {"retention.ms": str(30 * 24 * 3600 * 1000)} for topic in DOMAIN_TOPICS},
    # Compacted: the newest value is the current maintenance state.
    MAINTENANCE_TOPIC: {"cleanup.policy": "compact"},
    DEAD_LETTER_TOPIC: {"retention.ms": str(90 * 24 * 3600 * 1000)},
}


def topic_for(event_type: str) -> str:
    """``filing.submitted`` → ``filing.events``; maintenance changes have their own topic."""
    if event_type in ("platform.maintenance", "platform.maintenance_changed"):
        return MAINTENANCE_TOPIC
    prefix = event_type.split(".", 1)[0]
    topic = f"{prefix}.events"
    if topic not in DOMAIN_TOPICS:
        raise ValueError(f"no topic for event type {event_type!r}")
    return topic


def new_event(
    *,
    event_type: str,
    source: str,
    subject: str,
    payload: Message,
    occurred_at: datetime | None = None,
) -> events_pb2.EventEnvelope:
    envelope = events_pb2.EventEnvelope(
        event_id=str(uuid.uuid4()),
        type=event_type,
        source=source,
        subject=subject,
        trace_id=current_trace_id(),
    )
    envelope.occurred_at.FromDatetime(occurred_at or system_clock.now())
    envelope.payload.Pack(payload)
    return envelope


def decode_envelope(raw: bytes | None) -> events_pb2.EventEnvelope:
    """Parse an envelope; anything that is not one can never be processed."""
    if not raw:
        raise PermanentEventError("empty message")
    envelope = events_pb2.EventEnvelope()
    try:
        envelope.ParseFromString(raw)
    except DecodeError as exc:
        raise PermanentEventError(f"not an EventEnvelope: {exc}") from exc
    try:
        uuid.UUID(envelope.event_id)
    except ValueError as exc:
        raise PermanentEventError(f"bad event id {envelope.event_id!r}") from exc
    if not envelope.type:
        raise PermanentEventError("event without a type")
    return envelope


def unpack(envelope: events_pb2.EventEnvelope, message_type: type[M]) -> M:
    payload = message_type()
    if not envelope.payload.Unpack(payload):
        raise PermanentEventError(
            f"{envelope.type}: payload is {envelope.payload.TypeName()}, "
            f"expected {message_type.DESCRIPTOR.full_name}"
        )
    return payload
