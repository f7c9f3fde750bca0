"""CPU of the local Kafka broker with the stack's JVM options or settings against the defaults.

The local broker (`make run`, every test stack) starts with ``LOCAL_JVM_OPTIONS``
(services/stack/local_tools.py) and ``LOCAL_BROKER_SETTINGS`` (services/stack/kafka.py). This
starts one broker with them and one with the JVM's defaults (the G1 collector and both
compilers; ``--compare jvm``) or Kafka's own defaults for those settings (``--compare
settings``), alternately, ``--rounds`` times each, and measures the broker process's CPU: its
start, a workload (``--messages`` messages of 500 bytes produced with acks=all over 20 topics,
then consumed by ``--groups`` groups with offset commits), and 30 s idle. Prints each run, the
median of each configuration and ``cpu ratio`` (local / defaults; below 1 is less CPU).

    .venv/bin/python bench/local_broker_cpu.py [--compare jvm|settings] [--messages 20000]
        [--groups 1] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from summary import record
from support.ports import free_port
from support.stack import JAR_CACHE

from services.stack import kafka as local_kafka
from services.stack.kafka import LOCAL_BROKER_SETTINGS
from services.stack.local_tools import LOCAL_JVM_OPTIONS

TOPICS = [f"bench-{i}" for i in range(20)]


@dataclass(frozen=True)
class Run:
    setup: str
    ready_seconds: float
    start_cpu: float
    work_cpu: float
    idle_cpu: float

    @property
    def total(self) -> float:
        return self.start_cpu + self.work_cpu + self.idle_cpu


def cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def workload(bootstrap: str, messages: int, groups: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1) for topic in TOPICS])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for i in range(messages):
        producer.send(TOPICS[i % len(TOPICS)], b"x" * 500)
    producer.flush()
    producer.close()
    for group in range(groups):
        consumer = KafkaConsumer(
            *TOPICS,
            bootstrap_servers=bootstrap,
            group_id=f"bench-{group}",
            auto_offset_reset="earliest",
        )
        received, deadline = 0, time.monotonic() + 300
        while received < messages and time.monotonic() < deadline:
            received += sum(len(batch) for batch in consumer.poll(500).values())
            consumer.commit()
        consumer.close()
        if received < messages:
            raise SystemExit(f"only {received} of {messages} messages came back in 300 s")


@dataclass(frozen=True)
class Setup:
    name: str
    jvm_options: tuple[str, ...]
    settings: dict[str, str]


LOCAL = Setup("local", LOCAL_JVM_OPTIONS, LOCAL_BROKER_SETTINGS)
AGAINST = {
    "jvm": Setup("JVM defaults", (), LOCAL_BROKER_SETTINGS),
    "settings": Setup("Kafka's default settings", LOCAL_JVM_OPTIONS, {}),
}


def measure(setup: Setup, messages: int, groups: int, jars: Path) -> Run:
    # The broker reads both when it starts.
    local_kafka.LOCAL_JVM_OPTIONS = setup.jvm_options
    local_kafka.LOCAL_BROKER_SETTINGS = setup.settings
    with tempfile.TemporaryDirectory(prefix="openecf-broker-cpu-") as folder:
        broker = local_kafka.KafkaBroker(
            data_dir=Path(folder) / "kafka",
            jars_dir=jars,
            port=free_port(),
            controller_port=free_port(),
            log_file=Path(folder) / "kafka.log",
        )
        started = time.monotonic()
        broker.start()
        ready = time.monotonic() - started
        try:
            assert broker.pid is not None
            process = psutil.Process(broker.pid)
            at_ready = cpu(process)
            workload(broker.bootstrap, messages, groups)
            after_work = cpu(process)
            time.sleep(30)
            after_idle = cpu(process)
        finally:
            broker.stop()
    return Run(
        setup=setup.name,
        ready_seconds=ready,
        start_cpu=at_ready,
        work_cpu=after_work - at_ready,
        idle_cpu=after_idle - after_work,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", choices=sorted(AGAINST), default="jvm")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--groups", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    against = AGAINST[args.compare]
    jars = local_kafka.fetch_kafka_jars(JAR_CACHE)
    runs: list[Run] = []
    for _ in range(args.rounds):
        for setup in (LOCAL, against):
            run = measure(setup, args.messages, args.groups, jars)
            runs.append(run)
            print(
                f"{run.setup}: ready {run.ready_seconds:.1f} s; CPU start {run.start_cpu:.1f} s,"
                f" {args.messages} messages {run.work_cpu:.1f} s, 30 s idle {run.idle_cpu:.1f} s;"
                f" total {run.total:.1f} s",
                flush=True,
            )
    local = statistics.median(r.total for r in runs if r.setup == LOCAL.name)
    default = statistics.median(r.total for r in runs if r.setup == against.name)
    print(f"median CPU: local {local:.1f} s, {against.name} {default:.1f} s")
    print(f"cpu ratio: {local / default:.2f}")
    record(
        f"local_broker_cpu_{args.compare}",
        f"broker CPU, local / {against.name}",
        local / default,
        "",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
