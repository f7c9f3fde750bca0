"""The JVM's class-data-sharing archive (AppCDS) for the Kafka jars: the classes a broker
loads, parsed and verified once and then mapped by every later start. Measured on this machine
kind (2 vCPUs): a broker ready in 2.5 s instead of 4 to 5 s, 3 s of CPU to start instead of 5 or 6,
the storage format tool 1.1 s instead of 2, and 50 MB less resident.

The first broker started with none records one as it stops (``-XX:ArchiveClassesAtExit``, to a
file of its own, renamed into place only after a clean exit, so brokers stopping at once never
leave a torn archive). The archive's name is a fingerprint of the Java installation and the jar
names, so an upgraded JDK or another Kafka records a new one (which then replaces the old); an
archive the JVM still finds unusable is ignored by it (``-Xshare:auto``, the default) with a
warning in the broker's log.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ClassArchive:
    path: Path

    @classmethod
    def for_jars(cls, java: str, jars_dir: Path) -> ClassArchive:
        return cls(jars_dir.parent / f"classes-{_fingerprint(java, jars_dir)}.jsa")

    def use_options(self) -> list[str]:
        """JVM options that map the archive, when there is one."""
        return [f"-XX:SharedArchiveFile={self.path}"] if self.path.exists() else []

    def start_options(self) -> tuple[list[str], Recording | None]:
        """Options for a long-lived JVM: map the archive, or record one at exit."""
        if self.path.exists():
            return self.use_options(), None
        partial = self.path.with_name(f"{self.path.name}.{uuid.uuid4().hex}.partial")
        return [f"-XX:ArchiveClassesAtExit={partial}"], Recording(partial, self)


@dataclass(frozen=True)
class Recording:
    """The file one JVM writes its classes to as it exits, and the archive it may become."""

    partial: Path
    archive: ClassArchive

    def keep(self, *, clean_exit: bool) -> None:
        """After the JVM exited: the recording of a clean exit becomes the archive."""
        target = self.archive.path
        if clean_exit and self.partial.exists():
            os.replace(self.partial, target)
            for stale in target.parent.glob("classes-*.jsa"):  # an older JDK's or jars'
                if stale != target:
                    stale.unlink(missing_ok=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                self.partial.unlink()


def _fingerprint(java: str, jars_dir: Path) -> str:
    home = Path(os.path.realpath(java)).parent.parent
    facts = [str(home)]
    for part in (home / "release", home / "lib" / "server" / "libjvm.so"):
        with contextlib.suppress(OSError):
            stat = part.stat()
            facts.append(f"{part.name} {stat.st_size} {stat.st_mtime_ns}")
    facts += sorted(jar.name for jar in jars_dir.glob("*.jar"))
    return hashlib.sha256("\n".join(facts).encode()).hexdigest()[:16]
