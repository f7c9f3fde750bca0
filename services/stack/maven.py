"""Runtime jars from Maven Central, fetched once into a cache folder (Kafka, S3Proxy).

A fetch goes into a scratch folder that is renamed at the end, under a file lock, so a fetch
interrupted at any point leaves nothing that looks complete, and concurrent processes (tests
beside ``make run``) download once; one lock for all fetches, as they share ``~/.m2``.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from services.stack.local_tools import file_lock, require_tool

logger = logging.getLogger(__name__)

_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"
_MARKER = ".complete"
_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.openecf.stack</groupId>
  <artifactId>{name}-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{dependencies}
  </dependencies>
</project>
"""
_DEPENDENCY = """    <dependency>
      <groupId>{group}</groupId>
      <artifactId>{artifact}</artifactId>
      <version>{version}</version>
    </dependency>"""


def _local_repository_lock() -> Path:
    """The one lock of every fetch, of any jars into any cache folder. Maven 3.8's local
    repository (~/.m2) is not safe for two processes writing it at once (copy-dependencies side
    by side can leave a torn artifact), and on a new machine the test workers fetch Kafka's and
    S3Proxy's jars at the same moment, into the same ~/.m2."""
    folder = Path.home() / ".m2"
    folder.mkdir(exist_ok=True)
    return folder / "openecf-fetch.lock"


@dataclass(frozen=True)
class Artifact:
    group: str
    artifact: str
    version: str


def fetch_jars(
    cache_dir: Path, *, name: str, version: str, artifacts: list[Artifact], main_jar: str
) -> Path:
    """The folder of ``artifacts``' runtime jars (``<cache>/<name>-<version>/libs``).

    ``main_jar`` is a file-name prefix that must be among them for the fetch to count.
    """
    cache_dir = cache_dir.absolute()  # Maven runs in another folder
    final = cache_dir / f"{name}-{version}"
    libs = final / "libs"
    if (final / _MARKER).exists():
        return libs  # Fast path: no lock, no Maven, no network.
    cache_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(_local_repository_lock()):
        if (final / _MARKER).exists():
            return libs  # Another process finished the fetch while we waited.
        mvn = require_tool("mvn", "install Maven 3 (e.g. `apt-get install maven`)")
        # Leftovers of an interrupted fetch are ours to remove (we hold the lock).
        partial = cache_dir / f"{name}-{version}.partial"
        for stale in (partial, final):
            if stale.exists():
                shutil.rmtree(stale)
        partial.mkdir()
        pom = partial / "pom.xml"
        pom.write_text(
            _POM.format(
                name=name,
                dependencies="\n".join(
                    _DEPENDENCY.format(group=a.group, artifact=a.artifact, version=a.version)
                    for a in artifacts
                ),
            )
        )
        logger.info("fetching %s %s jars from Maven Central into %s", name, version, final)
        started = time.monotonic()
        command = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            _DEPENDENCY_PLUGIN,
            "-DincludeScope=runtime",
            f"-DoutputDirectory={partial / 'libs'}",
        ]
        result = subprocess.run(
            command, cwd=partial, capture_output=True, text=True, check=False, timeout=1800
        )
        jars = sorted((partial / "libs").glob("*.jar"))
        if result.returncode != 0 or not any(j.name.startswith(main_jar) for j in jars):
            output = (result.stdout + result.stderr).strip()[-4000:]
            raise RuntimeError(
                f"fetching {name} {version} with Maven failed (exit {result.returncode}):\n{output}"
            )
        listing = "".join(f"{a.group}:{a.artifact}:{a.version}\n" for a in artifacts)
        (partial / _MARKER).write_text(f"{listing}jars {len(jars)}\n")
        os.rename(partial, final)
        logger.info(
            "fetched %d jars for %s %s in %.1fs",
            len(jars),
            name,
            version,
            time.monotonic() - started,
        )
        return libs
