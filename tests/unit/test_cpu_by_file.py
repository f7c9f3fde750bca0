"""tests/support/cpu_by_file.py: each test file is charged the CPU of the processes its tests
start, in one process and under xdist alike."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
BUSY = """
import subprocess, sys

def test_a_child_burns_cpu():
    burn = "import time\\nend = time.process_time() + 1.5\\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
"""
IDLE = """
import time

def test_waits():
    time.sleep(1.0)
"""


def charged(output: str) -> dict[str, tuple[float, float]]:
    """The table's CPU and wall seconds by file."""
    rows = re.findall(r"^\s*([\d.]+) CPU-s\s+([\d.]+) s wall\s+(\S+)$", output, re.MULTILINE)
    return {path: (float(cpu), float(wall)) for cpu, wall, path in rows}


@pytest.mark.parametrize("workers", [[], ["-p", "xdist", "-n", "2"]], ids=["one process", "xdist"])
def test_each_file_is_charged_what_its_tests_spent(tmp_path: Path, workers: list[str]) -> None:
    (tmp_path / "test_busy.py").write_text(BUSY)
    (tmp_path / "test_idle.py").write_text(IDLE)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)]),
        # Only the plugins named here: the venv's others (schemathesis, hypothesis) cost a
        # second of imports in every process.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    pytest_in = [sys.executable, "-m", "pytest", "-c", os.devnull, "--rootdir", str(tmp_path)]
    plugins = ["-p", "support.cpu_by_file", "-p", "no:cacheprovider", *workers]
    done = subprocess.run(
        [*pytest_in, *plugins, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    table = charged(done.stdout)
    assert set(table) == {"test_busy.py", "test_idle.py"}, done.stdout
    busy_cpu, _ = table["test_busy.py"]
    idle_cpu, idle_wall = table["test_idle.py"]
    assert 1.4 <= busy_cpu < 3.0  # the child's 1.5 s, plus starting it
    assert idle_cpu < 0.5 and idle_wall >= 1.0  # a second of waiting costs no CPU
