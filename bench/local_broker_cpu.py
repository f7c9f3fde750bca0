"""CPU of the local Kafka broker with the stack's JVM options against the JVM's defaults.

The local broker (`make run`, every test stack) starts with ``LOCAL_JVM_OPTIONS``
(services/stack/local_tools.py). This starts one broker with them and one with the JVM's
defaults (the G1 collector and both compilers), alternately, ``--rounds`` times each, and
measures the broker process's CPU: its start, a workload (``--messages`` messages of 500 bytes
produced with acks=all over 20 topics, then consumed by one group with offset commits), and
30 s idle. Prints each run, the median of each configuration and ``cpu ratio`` (options /
defaults; below 1 is less CPU).

    .venv/bin/python bench/local_broker_cpu.py [--messages 20000] [--rounds 2]
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
from support.stack import KAFKA_CACHE

from services.stack import kafka as local_kafka
from services.stack.local_tools import LOCAL_JVM_OPTIONS

TOPICS = [f"bench-{i}" for i in range(20)]


@dataclass(frozen=True)
class Run:
    options: str
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


def workload(bootstrap: str, messages: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1) for topic in TOPICS])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for i in range(messages):
        producer.send(TOPICS[i % len(TOPICS)], b"x" * 500)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        *TOPICS, bootstrap_servers=bootstrap, group_id="bench", auto_offset_reset="earliest"
    )
    received, deadline = 0, time.monotonic() + 300
    while received < messages and time.monotonic() < deadline:
        received += sum(len(batch) for batch in consumer.poll(500).values())
        consumer.commit()
    consumer.close()
    if received < messages:
        raise SystemExit(f"only {received} of {messages} messages came back in 300 s")


def measure(options: tuple[str, ...], messages: int, jars: Path) -> Run:
    local_kafka.LOCAL_JVM_OPTIONS = options  # type: ignore[misc]  # the broker reads it at start
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
            workload(broker.bootstrap, messages)
            after_work = cpu(process)
            time.sleep(30)
            after_idle = cpu(process)
        finally:
            broker.stop()
    return Run(
        options=" ".join(options) or "JVM defaults",
        ready_seconds=ready,
        start_cpu=at_ready,
        work_cpu=after_work - at_ready,
        idle_cpu=after_idle - after_work,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    jars = local_kafka.fetch_kafka_jars(KAFKA_CACHE)
    runs: list[Run] = []
    for _ in range(args.rounds):
        for options in (LOCAL_JVM_OPTIONS, ()):
            run = measure(options, args.messages, jars)
            runs.append(run)
            print(
                f"{run.options}: ready {run.ready_seconds:.1f} s; CPU start {run.start_cpu:.1f} s,"
                f" {args.messages} messages {run.work_cpu:.1f} s, 30 s idle {run.idle_cpu:.1f} s;"
                f" total {run.total:.1f} s",
                flush=True,
            )
    local = statistics.median(r.total for r in runs if r.options != "JVM defaults")
    default = statistics.median(r.total for r in runs if r.options == "JVM defaults")
    print(f"median CPU: local options {local:.1f} s, JVM defaults {default:.1f} s")
    print(f"cpu ratio: {local / default:.2f}")
    record("local_broker_cpu", "broker CPU, local options / JVM defaults", local / default, "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
