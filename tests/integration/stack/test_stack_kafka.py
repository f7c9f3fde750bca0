"""The local Kafka broker: real Apache Kafka 4 (KRaft) from Maven Central jars."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType
from support.ports import free_port

from services.stack.class_archive import ClassArchive
from services.stack.kafka import KafkaBroker, ensure_topics, fetch_kafka_jars
from services.stack.local_tools import machine_cache, require_tool

# The same cache as the real stack, so the jars are fetched once per machine.
CACHE_DIR = machine_cache()


@pytest.fixture(scope="module")
def jars_dir() -> Path:
    return fetch_kafka_jars(CACHE_DIR)


def _broker(folder: Path, jars_dir: Path) -> KafkaBroker:
    return KafkaBroker(
        data_dir=folder / "kafka",
        jars_dir=jars_dir,
        port=free_port(),
        controller_port=free_port(),
        log_file=folder / "logs" / "kafka.log",
    )


@pytest.fixture
def broker(tmp_path: Path, jars_dir: Path) -> Iterator[KafkaBroker]:
    kafka = _broker(tmp_path, jars_dir)
    yield kafka
    kafka.stop()


def _read_all(bootstrap: str, topic: str, group: str, expected: int) -> list[tuple[bytes, bytes]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
    )
    records: list[tuple[bytes, bytes]] = []
    deadline = time.monotonic() + 30
    try:
        while len(records) < expected and time.monotonic() < deadline:
            records.extend((r.key, r.value) for r in consumer)
        consumer.commit()
    finally:
        consumer.close()
    return records


def test_fetch_is_skipped_once_complete(jars_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert any(jars_dir.glob("kafka_2.13-4.3.0.jar"))
    assert any(jars_dir.glob("log4j-slf4j-impl-*.jar"))
    # With no mvn (nor anything else) on PATH, a completed cache must still answer.
    monkeypatch.setenv("PATH", "")
    assert fetch_kafka_jars(CACHE_DIR) == jars_dir


def test_a_first_fetch_copies_the_runtime_jars_with_maven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real fetch, out of the machine's ~/.m2, into a cache named by a relative path (Maven
    runs in a folder of its own); the stacks of a warm machine never fetch, their cache is full."""
    monkeypatch.chdir(tmp_path)
    jars = fetch_kafka_jars(Path("cache"))
    assert jars == tmp_path / "cache" / "kafka-4.3.0" / "libs"
    assert any(jars.glob("kafka_2.13-4.3.0.jar"))
    assert any(jars.glob("log4j-slf4j-impl-*.jar"))
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["kafka-4.3.0"]


def test_fetch_without_maven_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="`mvn` was not found"):
        fetch_kafka_jars(tmp_path / "cache")
    assert not (tmp_path / "cache" / "kafka-4.3.0").exists()


def test_produce_consume_and_keep_data_across_a_restart(broker: KafkaBroker) -> None:
    bootstrap = broker.start()
    assert broker.is_running
    assert bootstrap == f"127.0.0.1:{broker.port}"

    topics = {"platform.maintenance": {"cleanup.policy": "compact"}, "filing.events": {}}
    ensure_topics(bootstrap, topics)
    ensure_topics(bootstrap, topics)  # Idempotent.

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        described = {t["name"]: t for t in admin.describe_topics(list(topics))}
        assert {name: len(t["partitions"]) for name, t in described.items()} == {
            "platform.maintenance": 3,
            "filing.events": 3,
        }
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, "platform.maintenance")]
        )
        policy = configs["topic"]["platform.maintenance"]["cleanup.policy"]["value"]
        assert policy == "compact"
    finally:
        admin.close()

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send("platform.maintenance", key=b"state", value=b"on").get(timeout=30)
    producer.close()
    assert _read_all(bootstrap, "platform.maintenance", "first", 1) == [(b"state", b"on")]

    broker.stop()
    assert not broker.is_running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", broker.port), timeout=1).close()

    started = time.monotonic()
    assert broker.start() == bootstrap
    restart_seconds = time.monotonic() - started
    ensure_topics(bootstrap, topics)  # Existing topics are left alone after a restart too.
    assert _read_all(bootstrap, "platform.maintenance", "second", 1) == [(b"state", b"on")]
    # The first group's committed offset survived: nothing new for it.
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send("platform.maintenance", key=b"state", value=b"off").get(timeout=30)
    producer.close()
    assert _read_all(bootstrap, "platform.maintenance", "first", 1) == [(b"state", b"off")]
    assert restart_seconds < 60


def test_new_brokers_start_from_one_store_formatted_for_their_jars(
    tmp_path: Path, jars_dir: Path
) -> None:
    """Kafka's StorageTool formats a store once for the jars (a JVM start of its own); each new
    broker starts from a copy, on ports of its own, and a copy cut short is made again."""
    template = jars_dir.parent / "formatted-store"
    first, second = _broker(tmp_path / "a", jars_dir), _broker(tmp_path / "b", jars_dir)
    cut_short = second.data_dir / "data"
    cut_short.mkdir(parents=True)
    (cut_short / "bootstrap.checkpoint").write_bytes(b"half a copy")  # and no meta.properties
    try:
        first.start()
        formatted = (template / "meta.properties").stat()
        second.start()
        assert (template / "meta.properties").stat() == formatted  # not formatted again
        for broker in (first, second):
            copy = broker.data_dir / "data"
            for name in ("meta.properties", "bootstrap.checkpoint"):
                assert (copy / name).read_bytes() == (template / name).read_bytes()
            ensure_topics(broker.bootstrap, {"docket.events": {}})
            producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
            producer.send("docket.events", key=b"entry", value=broker.bootstrap.encode())
            producer.close()
            read = _read_all(broker.bootstrap, "docket.events", "reader", 1)
            assert read == [(b"entry", broker.bootstrap.encode())]
    finally:
        first.stop()
        second.stop()


def test_a_busy_port_is_reported(broker: KafkaBroker) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", broker.port))
        holder.listen()
        with pytest.raises(RuntimeError, match="already in use"):
            broker.start()
    assert not broker.is_running


def test_a_clean_stop_records_the_class_archive_and_later_starts_map_it(
    tmp_path: Path, jars_dir: Path
) -> None:
    # Jars of their own (links to the cached ones), so the machine's archive is not touched.
    own_jars = tmp_path / "kafka-jars" / "libs"
    own_jars.mkdir(parents=True)
    for jar in jars_dir.glob("*.jar"):
        (own_jars / jar.name).symlink_to(jar)
    archive = ClassArchive.for_jars(require_tool("java", ""), own_jars)
    stale = own_jars.parent / "classes-0000000000000000.jsa"  # as an older JDK would have left

    # (What a JVM that did not stop cleanly recorded is dropped: tests/unit/stack.)
    kafka = _broker(tmp_path / "clean", own_jars)
    try:
        kafka.start()
        assert not archive.path.exists()
        stale.write_bytes(b"an archive this JDK cannot use")
        kafka.stop()
        # The new archive replaces the stale one.
        formatted = own_jars.parent / "formatted-store"
        assert sorted(own_jars.parent.iterdir()) == sorted([own_jars, archive.path, formatted])

        kafka.start()
        assert kafka.pid is not None
        assert str(archive.path) in Path(f"/proc/{kafka.pid}/maps").read_text()
        ensure_topics(kafka.bootstrap, {"filing.events": {}})  # and it serves
    finally:
        kafka.stop()
