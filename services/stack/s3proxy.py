"""A real S3-compatible server for tests and local trials: S3Proxy (Apache-2.0) over a folder.

The jars come from Maven Central (``org.gaul:s3proxy``) through `mvn` into the cache folder,
like the Kafka broker's; the server runs on the machine's Java with the filesystem provider,
on 127.0.0.1, with one access key. Not part of `make run` (the vault's default store is
PostgreSQL); the object-store tests start one each.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

from services.stack.local_tools import (
    LOCAL_JVM_OPTIONS,
    require_tool,
    tail,
    write_atomically,
)
from services.stack.maven import Artifact, fetch_jars

logger = logging.getLogger(__name__)

VERSION = "2.6.0"
# Without a configuration logback logs at DEBUG, which slows the server's start several-fold.
_LOGBACK = """<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d %level %logger{20} %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="out"/></root>
</configuration>
"""


def fetch_s3proxy_jars(cache_dir: Path, version: str = VERSION) -> Path:
    """The folder of S3Proxy's runtime jars, downloaded with Maven the first time."""
    return fetch_jars(
        cache_dir,
        name="s3proxy",
        version=version,
        artifacts=[Artifact("org.gaul", "s3proxy", version)],
        main_jar=f"s3proxy-{version}",
    )


class S3ProxyServer:
    """S3Proxy on 127.0.0.1:<port>, keeping its buckets as folders under ``data_dir``."""

    def __init__(
        self,
        *,
        data_dir: Path,
        jars_dir: Path,
        port: int,
        log_file: Path,
        access_key: str = "openecf-local",
    ) -> None:
        self.data_dir = data_dir
        self.jars_dir = jars_dir
        self.port = port
        self.log_file = log_file
        self.access_key = access_key
        self.secret_key = secrets.token_urlsafe(24)  # a fresh credential per server
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 120) -> str:
        if self.is_running:
            return self.endpoint
        java = require_tool(
            "java", "install Java 17 (e.g. `apt-get install openjdk-17-jre-headless`)"
        )
        (self.data_dir / "buckets").mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "s3proxy.conf"
        # The access key pair is a local test credential, kept in a file readable by us only.
        descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(
                "\n".join(
                    [
                        f"s3proxy.endpoint={self.endpoint}",
                        "s3proxy.authorization=aws-v2-or-v4",
                        f"s3proxy.identity={self.access_key}",
                        f"s3proxy.credential={self.secret_key}",
                        "jclouds.provider=filesystem",
                        f"jclouds.filesystem.basedir={self.data_dir / 'buckets'}",
                        "",
                    ]
                )
            )
        logback = self.data_dir / "logback.xml"
        write_atomically(logback, _LOGBACK)
        started = time.monotonic()
        self._output = self.log_file.open("ab")
        self._process = subprocess.Popen(
            [
                java,
                "-Xms64m",
                "-Xmx256m",
                *LOCAL_JVM_OPTIONS,
                f"-Dlogback.configurationFile={logback}",
                "-cp",
                f"{self.jars_dir}/*",
                "org.gaul.s3proxy.Main",
                "--properties",
                str(config),
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        atexit.register(self.stop)
        deadline = started + timeout
        while not self._answers():
            if self._process.poll() is not None:
                self.stop()
                raise RuntimeError(f"S3Proxy exited during start:\n{tail(self.log_file)}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"S3Proxy not ready in {timeout}s:\n{tail(self.log_file)}")
            time.sleep(0.25)
        logger.info("S3Proxy ready on %s in %.1fs", self.endpoint, time.monotonic() - started)
        return self.endpoint

    def stop(self, timeout: float = 20) -> None:
        process, self._process = self._process, None
        atexit.unregister(self.stop)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._output is not None:
            self._output.close()
            self._output = None

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True
