"""The Kafka class archive's bookkeeping (the JVM's part is tested with a real broker in
tests/integration/stack/test_stack_kafka.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.stack.class_archive import ClassArchive


@pytest.fixture
def jars(tmp_path: Path) -> Path:
    folder = tmp_path / "kafka-x" / "libs"
    folder.mkdir(parents=True)
    for name in ("kafka_2.13-4.3.0.jar", "kafka-clients-4.3.0.jar"):
        (folder / name).write_bytes(b"")
    return folder


@pytest.fixture
def java(tmp_path: Path) -> str:
    """A JDK's layout: what the fingerprint reads of it."""
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    (home / "lib" / "server").mkdir(parents=True)
    (home / "bin" / "java").write_text("")
    (home / "release").write_text('JAVA_VERSION="17.0.15"\n')
    (home / "lib" / "server" / "libjvm.so").write_bytes(b"17.0.15")
    return str(home / "bin" / "java")


def test_with_no_archive_a_jvm_records_one_and_a_clean_exit_keeps_it(java: str, jars: Path) -> None:
    archive = ClassArchive.for_jars(java, jars)
    assert archive.use_options() == []
    options, recording = archive.start_options()
    assert recording is not None and recording.partial.parent == jars.parent
    assert options == [f"-XX:ArchiveClassesAtExit={recording.partial}"]
    stale = jars.parent / "classes-0000000000000000.jsa"
    stale.write_bytes(b"an older JDK's")
    recording.partial.write_bytes(b"what the JVM dumped")
    recording.keep(clean_exit=True)
    assert archive.path.read_bytes() == b"what the JVM dumped"
    assert sorted(p.name for p in jars.parent.iterdir()) == sorted(["libs", archive.path.name])
    assert archive.start_options() == ([f"-XX:SharedArchiveFile={archive.path}"], None)


def test_what_a_jvm_that_did_not_stop_cleanly_recorded_is_dropped(java: str, jars: Path) -> None:
    archive = ClassArchive.for_jars(java, jars)
    _, recording = archive.start_options()
    assert recording is not None
    recording.partial.write_bytes(b"a partial dump")
    recording.keep(clean_exit=False)
    recording.keep(clean_exit=False)  # nothing there any more: no error
    assert [p.name for p in jars.parent.iterdir()] == ["libs"]


def test_other_jars_or_an_upgraded_jdk_name_another_archive(java: str, jars: Path) -> None:
    first = ClassArchive.for_jars(java, jars)
    assert ClassArchive.for_jars(java, jars) == first
    (jars / "log4j-slf4j-impl-2.25.4.jar").write_bytes(b"")
    second = ClassArchive.for_jars(java, jars)
    assert second != first
    (Path(java).parents[1] / "lib" / "server" / "libjvm.so").write_bytes(b"17.0.16, upgraded")
    assert ClassArchive.for_jars(java, jars) not in (first, second)
