"""Fetching runtime jars with Maven: one Maven at a time over the shared ~/.m2.

Maven itself is replaced here by a recorder of when it ran (a real fetch is exercised by every
stack's start); what is tested is that two fetches of different jars never run Maven at once.
"""

from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from services.stack import maven
from services.stack.maven import Artifact, fetch_jars


def test_two_fetches_of_different_jars_take_turns_with_maven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    monkeypatch.setattr(maven, "require_tool", lambda name, hint: name)
    runs: list[tuple[float, float]] = []
    lock = threading.Lock()

    def maven_run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        out = Path(next(a for a in command if a.startswith("-DoutputDirectory=")).split("=", 1)[1])
        out.mkdir(parents=True)
        time.sleep(0.3)  # long enough for the other fetch to start, were it let
        (out / "fetched.jar").write_bytes(b"")
        with lock:
            runs.append((started, time.monotonic()))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(maven.subprocess, "run", maven_run)

    def fetch(name: str) -> Path:
        artifact = Artifact("org.example", name, "1.0")
        return fetch_jars(
            tmp_path / "cache", name=name, version="1.0", artifacts=[artifact], main_jar="fetched"
        )

    with ThreadPoolExecutor(2) as pool:
        folders = list(pool.map(fetch, ["kafka", "s3proxy"]))

    assert [(f.parent.name, sorted(p.name for p in f.iterdir())) for f in folders] == [
        ("kafka-1.0", ["fetched.jar"]),
        ("s3proxy-1.0", ["fetched.jar"]),
    ]
    (_, first_end), (second_start, _) = sorted(runs)
    assert second_start >= first_end, "two Mavens ran at once over one ~/.m2"
