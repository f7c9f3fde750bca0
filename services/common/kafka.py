"""Kafka clients configured the one way this project uses them, and the topics they need."""

from __future__ import annotations

import logging
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import TopicAlreadyExistsError, for_code

logger = logging.getLogger(__name__)


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


def make_consumer(
    bootstrap: str,
    *,
    group_id: str,
    topics: list[str],
    listener: ConsumerRebalanceListener | None = None,
) -> KafkaConsumer:
    # Offsets are committed by hand, only after the effect is durable. A new group reads
    # from the topic's history on purpose: see consumer_start (Act) for what it acts on.
    consumer = KafkaConsumer(
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
    if listener is None:
        consumer.subscribe(topics)
    else:
        consumer.subscribe(topics, listener=listener)
    return consumer


def admin_client(bootstrap: str, timeout_ms: int) -> Any:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="openecf-admin",
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
    )


def ensure_topics(
    bootstrap: str,
    topics: dict[str, dict[str, str]],
    partitions: int = 3,
    *,
    replication_factor: int = 1,
) -> None:
    """Create the topics that do not exist yet, with the given configs; leave existing ones."""
    admin = admin_client(bootstrap, timeout_ms=30000)
    try:
        existing = set(admin.list_topics())
        missing = {name: configs for name, configs in topics.items() if name not in existing}
        if not missing:
            return
        request = {
            name: {
                "num_partitions": partitions,
                "replication_factor": replication_factor,
                "configs": configs,
            }
            for name, configs in missing.items()
        }
        # Errors are checked per topic: a concurrent creator (another test, the stack) makes
        # TopicAlreadyExistsError, which is success here.
        result = admin.create_topics(request, raise_errors=False, wait_for_metadata=True)
        for topic in result["topics"]:
            error = for_code(topic["error_code"])
            if topic["error_code"] and error is not TopicAlreadyExistsError:
                raise error(f"creating topic {topic['name']}: {topic.get('error_message')}")
        logger.info("created Kafka topics %s", ", ".join(sorted(missing)))
    finally:
        admin.close()
