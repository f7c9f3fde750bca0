"""Kafka clients configured the one way this project uses them."""

from __future__ import annotations

from kafka import KafkaConsumer, KafkaProducer


def make_producer(bootstrap: str, *, client_id: str) -> KafkaProducer:
    # Idempotent and acks=all: a retried send never duplicates or loses a record.
    return KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_block_ms=5000,
        request_timeout_ms=10000,
        delivery_timeout_ms=30000,
        reconnect_backoff_max_ms=2000,
        allow_auto_create_topics=False,
    )


def make_consumer(bootstrap: str, *, group_id: str, topics: list[str]) -> KafkaConsumer:
    # Offsets are committed by hand, only after the effect is durable.
    return KafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap.split(","),
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=50,
        # A crashed member's partitions move to a live one after 10 s, not the default 45 s.
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        reconnect_backoff_max_ms=2000,
        allow_auto_create_topics=False,
    )
