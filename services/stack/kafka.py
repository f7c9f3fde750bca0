"""A real Apache Kafka broker (KRaft, one combined broker+controller node) for the local stack.

The jars come from Maven Central through `mvn` into a cache folder; the broker runs as a child
process on the machine's Java 17. See /work/shared/notes/kafka-local.md for the facts used here.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import logging
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kafka.admin import UserScramCredentialUpsertion
from kafka.errors import KafkaError

from services.common.kafka import admin_client, ensure_topics
from services.stack.class_archive import ClassArchive, Recording
from services.stack.leftovers import stop_leftovers
from services.stack.local_tools import LOCAL_JVM_OPTIONS, require_tool, tail, write_atomically
from services.stack.maven import Artifact, fetch_jars
from services.stack.ports import Listener, require_free

logger = logging.getLogger(__name__)

# The SLF4J -> log4j2 binding is missing from Kafka's published POM; without it the broker logs
# nothing. The matching log4j version per Kafka release comes from Kafka's own build files.
_LOG4J_FOR_KAFKA = {"4.3.0": "2.25.4", "4.2.0": "2.25.3", "4.1.1": "2.24.3"}
_JAVA_HINT = "install Java 17 (e.g. `apt-get install openjdk-17-jre-headless`)"


def fetch_kafka_jars(cache_dir: Path, version: str = "4.3.0") -> Path:
    """Return the folder of Kafka's runtime jars, downloading them with Maven the first time."""
    log4j = _LOG4J_FOR_KAFKA.get(version, _LOG4J_FOR_KAFKA["4.3.0"])
    return fetch_jars(
        cache_dir,
        name="kafka",
        version=version,
        artifacts=[
            Artifact("org.apache.kafka", "kafka_2.13", version),
            Artifact("org.apache.logging.log4j", "log4j-slf4j-impl", log4j),
        ],
        main_jar="kafka_2.13-",
    )


def _new_cluster_id() -> str:
    # Same format as `StorageTool random-uuid` (URL-safe base64 of 16 random bytes, no padding,
    # never starting with "-"), made here to save a JVM start.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _write_properties(path: Path, settings: dict[str, str]) -> None:
    text = "".join(
        f"{key}={value.replace(chr(92), chr(92) * 2)}\n" for key, value in settings.items()
    )
    write_atomically(path, text)


@dataclass(frozen=True)
class SecureListener:
    """A second client listener with TLS and SCRAM (SASL_SSL), as a production cluster has.

    ``keystore`` is one PEM file: the broker's unencrypted PKCS#8 key, then its certificate
    chain (the certificate must name 127.0.0.1). The plaintext listener stays for the broker's
    own traffic and for creating SCRAM users.
    """

    port: int
    keystore: Path
    mechanism: str = "SCRAM-SHA-512"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


# What one node on a developer's machine or under the tests needs less of than a cluster's
# broker. The controller's no-op record every 500 ms (how brokers of a cluster see it alive)
# was a fifth of an idle broker's CPU; one node has no one else to tell. Threads for requests
# and sockets: two cores and a dozen clients. The consumer offsets' topic: 50 partitions by
# default, each a log made at the first group's join. Together: an idle broker 2.0 → 1.55 %
# of a core, the first groups' join 1.2 → 0.8 CPU-s (bench/local_broker_cpu.py --compare
# settings). A court's own Kafka keeps its operators' settings.
LOCAL_BROKER_SETTINGS = {
    "metadata.max.idle.interval.ms": "5000",
    "num.io.threads": "2",
    "num.network.threads": "1",
    "background.threads": "2",
    "offsets.topic.num.partitions": "3",
}


class KafkaBroker:
    """One Kafka 4 node in KRaft mode (broker and controller) listening on 127.0.0.1."""

    def __init__(
        self,
        *,
        data_dir: Path,
        jars_dir: Path,
        port: int,
        controller_port: int,
        log_file: Path,
        secure: SecureListener | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.secure = secure
        self.jars_dir = jars_dir
        self.port = port
        self.controller_port = controller_port
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self._recording: Recording | None = None  # the class archive this run records at exit

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.is_running and self._process else None

    @property
    def _properties_file(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def _log_dir(self) -> Path:
        return self.data_dir / "data"

    def start(self, timeout: float = 90) -> str:
        """Start the broker (formatting its storage the first time) and wait until it serves."""
        if self.is_running:
            return self.bootstrap
        java = require_tool("java", _JAVA_HINT)
        if not any(self.jars_dir.glob("kafka_2.13-*.jar")):
            raise RuntimeError(f"no Kafka jars in {self.jars_dir}; call fetch_kafka_jars first")
        started = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        listeners = [
            Listener(self.port, "Kafka", "OPENECF_KAFKA_PORT"),
            Listener(self.controller_port, "Kafka's controller", "OPENECF_KAFKA_CONTROLLER_PORT"),
        ]
        if self.secure:
            listeners.append(
                Listener(self.secure.port, "Kafka's TLS listener", "SecureListener.port")
            )
        # Checked up front: otherwise the readiness probe could be answered by whatever else
        # holds the port (e.g. a developer's broker) before ours dies.
        require_free(listeners)

        log4j_config = self._write_log4j_config()
        self._write_server_properties()
        classes = ClassArchive.for_jars(java, self.jars_dir)
        self._format_storage(java, log4j_config, classes)

        class_options, self._recording = classes.start_options()
        command = [
            java,
            "-Xms256m",
            "-Xmx512m",
            *LOCAL_JVM_OPTIONS,
            *class_options,
            "-cp",
            f"{self.jars_dir}/*",
            f"-Dlog4j2.configurationFile={log4j_config}",
            "kafka.Kafka",
            str(self._properties_file),
        ]
        logger.info("starting Kafka broker on %s (data in %s)", self.bootstrap, self.data_dir)
        # JVM messages that bypass log4j (crashes, early errors) go to the same log file.
        self._output = self.log_file.open("ab")
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            # Own session: a Ctrl-C in the terminal must not reach the broker before the parent
            # has stopped its clients, then the broker, in order.
            start_new_session=True,
        )
        atexit.register(self.stop)
        try:
            self._wait_until_ready(started + timeout)
        except BaseException:
            # A broker that never served has not loaded what a serving one does: no archive.
            recording, self._recording = self._recording, None
            self.stop()
            if recording is not None:
                recording.keep(clean_exit=False)
            raise
        logger.info("Kafka broker ready on %s in %.1fs", self.bootstrap, time.monotonic() - started)
        return self.bootstrap

    def stop(self, timeout: float = 30) -> None:
        """Stop the broker: SIGTERM (controlled shutdown), then SIGKILL after `timeout`."""
        process, self._process = self._process, None
        atexit.unregister(self.stop)
        if process is not None:
            if process.poll() is None:
                logger.info("stopping Kafka broker on %s", self.bootstrap)
                process.terminate()
                try:
                    process.wait(timeout)
                    stopped_by_us = True
                except subprocess.TimeoutExpired:
                    logger.warning("Kafka broker did not stop in %ss; killing it", timeout)
                    process.kill()
                    process.wait()
                    stopped_by_us = False
            else:
                stopped_by_us = False  # it had ended on its own: whatever it recorded is partial
            logger.info("Kafka broker on %s stopped (exit %s)", self.bootstrap, process.returncode)
            if self._recording is not None:
                self._recording.keep(clean_exit=stopped_by_us)
                self._recording = None
        if self._output is not None:
            self._output.close()
            self._output = None

    def add_scram_user(self, username: str, password: str) -> None:
        """Create or update a SCRAM login (through the plaintext listener, on loopback)."""
        mechanism = self.secure.mechanism if self.secure else "SCRAM-SHA-512"
        admin = admin_client(self.bootstrap, timeout_ms=10000)
        try:
            admin.alter_user_scram_credentials(
                [UserScramCredentialUpsertion(username, mechanism, password, iterations=8192)]
            )
        finally:
            admin.close()

    def _stop_leftover(self) -> None:
        # A broker from a crashed parent survives it (own session) and holds the data folder's
        # lock and our ports; the data folder is ours, so stop it.
        for pid in stop_leftovers("kafka.Kafka", str(self._properties_file)):
            logger.warning("stopped leftover Kafka broker (pid %d) on %s", pid, self.data_dir)

    def _write_log4j_config(self) -> Path:
        path = self.data_dir / "log4j2.properties"
        write_atomically(
            path,
            "\n".join(
                [
                    "status = warn",
                    # Log4j's own shutdown hook would close the file before Kafka's hook has logged
                    # its shutdown; every event is flushed at once, so nothing is lost without it.
                    "shutdownHook = disable",
                    "appender.file.type = File",
                    "appender.file.name = file",
                    f"appender.file.fileName = {self.log_file}",
                    "appender.file.append = true",
                    "appender.file.layout.type = PatternLayout",
                    "appender.file.layout.pattern = [%d] %p %m (%c)%n",
                    "rootLogger.level = warn",
                    "rootLogger.appenderRef.file.ref = file",
                    "logger.kafka.name = kafka",
                    "logger.kafka.level = info",
                    "logger.apachekafka.name = org.apache.kafka",
                    "logger.apachekafka.level = info",
                    "",
                ]
            ),
        )
        return path

    def _server_settings(self, log_dir: Path, secure: SecureListener | None) -> dict[str, str]:
        listeners = (
            f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
        )
        protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
        if secure is not None:
            listeners += f",SECURE://127.0.0.1:{secure.port}"
            protocols += ",SECURE:SASL_SSL"
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}",
            "listeners": listeners,
            "advertised.listeners": listeners,
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": protocols,
            "log.dirs": str(log_dir),
            # A single node cannot hold more than one replica of anything.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "min.insync.replicas": "1",
            # Consumer groups form at once instead of after 3 s (tests, restarts).
            "group.initial.rebalance.delay.ms": "0",
            "num.partitions": "3",
            # Topics are created on purpose (ensure_topics), never by a typo in a producer.
            "auto.create.topics.enable": "false",
            # Compacted topics (platform.maintenance) need the cleaner.
            "log.cleaner.enable": "true",
            **LOCAL_BROKER_SETTINGS,
        }
        if secure is not None:
            mechanism = secure.mechanism.lower()
            settings |= {
                "sasl.enabled.mechanisms": secure.mechanism,
                f"listener.name.secure.{mechanism}.sasl.jaas.config": (
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;"
                ),
                "listener.name.secure.ssl.keystore.type": "PEM",
                "listener.name.secure.ssl.keystore.location": str(secure.keystore),
            }
        return settings

    def _write_server_properties(self) -> None:
        # Rewritten on every start so port changes take effect; the data stay in the data
        # folder.
        _write_properties(self._properties_file, self._server_settings(self._log_dir, self.secure))

    def _format_storage(self, java: str, log4j_config: Path, classes: ClassArchive) -> None:
        if (self._log_dir / "meta.properties").exists():
            return  # Formatted on an earlier start; formatting again would cost a JVM start.
        template = self._formatted_template(java, log4j_config, classes)
        # meta.properties last, in one rename: the mark of a whole copy.
        meta = "meta.properties"
        shutil.copytree(
            template, self._log_dir, ignore=shutil.ignore_patterns(meta), dirs_exist_ok=True
        )
        write_atomically(self._log_dir / meta, (template / meta).read_text())

    def _formatted_template(self, java: str, log4j_config: Path, classes: ClassArchive) -> Path:
        """A store Kafka's StorageTool formatted once for these jars, beside them.

        A format is a JVM start of its own (about 1 CPU-s and 0.9 s before the broker can
        start), and a test run starts twenty brokers, so each new broker gets a copy. Every
        local broker is a cluster of one node, alone on its ports, so they may share the
        template's cluster and directory ids; the controller's address recorded in it is
        replaced by the broker's own when it starts on other ports.
        """
        template = self.jars_dir.parent / "formatted-store"
        if (template / "meta.properties").exists():
            return template
        scratch = Path(tempfile.mkdtemp(prefix=f"{template.name}.", dir=template.parent))
        try:
            properties = scratch / "server.properties"
            # The plaintext listeners only: the store does not depend on the others.
            _write_properties(properties, self._server_settings(scratch / "data", secure=None))
            command = [
                java,
                "-Xmx256m",
                *LOCAL_JVM_OPTIONS,
                *classes.use_options(),
                "-cp",
                f"{self.jars_dir}/*",
                f"-Dlog4j2.configurationFile={log4j_config}",
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                _new_cluster_id(),
                "-c",
                str(properties),
            ]
            logger.info("formatting a Kafka store for %s in %s", self.jars_dir.name, template)
            result = subprocess.run(
                command, capture_output=True, text=True, check=False, timeout=120
            )
            if result.returncode != 0:
                output = (result.stdout + result.stderr).strip()[-4000:]
                raise RuntimeError(f"formatting Kafka storage in {scratch} failed:\n{output}")
            # Whole or not at all: brokers starting at once each format, the first one's stays.
            with contextlib.suppress(OSError):
                (scratch / "data").rename(template)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return template

    def _wait_until_ready(self, deadline: float) -> None:
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"Kafka broker exited with code {self._process.returncode} during start; "
                    f"last lines of {self.log_file}:\n{tail(self.log_file)}"
                )
            if self._answers_metadata():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Kafka broker on {self.bootstrap} not ready in time; "
                    f"last lines of {self.log_file}:\n{tail(self.log_file)}"
                )
            time.sleep(0.25)

    def _answers_metadata(self) -> bool:
        # A plain TCP connect first: cheap, and it keeps kafka-python from logging connection
        # errors on every poll while the JVM is still booting.
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        try:
            admin = admin_client(self.bootstrap, timeout_ms=2000)
        except (KafkaError, OSError):
            return False
        try:
            admin.list_topics()
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()
        return True


__all__ = ["KafkaBroker", "SecureListener", "ensure_topics", "fetch_kafka_jars"]
