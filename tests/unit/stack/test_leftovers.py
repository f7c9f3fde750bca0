"""What a supervisor killed outright leaves behind, found and stopped (or waited for) by the
next `openecf stack up`: real processes, known by their arguments or by a recorded pid."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

from services.stack import stackfile
from services.stack.leftovers import pids_logging_into, process_args, stop_leftovers, wait_gone


def _sleeper(*args: str, code: str = "import time; time.sleep(60)") -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, *args])


def test_the_leftovers_with_the_arguments_are_stopped_and_no_other(tmp_path: Path) -> None:
    ours = _sleeper("smtp-sink", str(tmp_path / "mail"))
    another_checkouts = _sleeper("smtp-sink", str(tmp_path / "elsewhere" / "mail"))
    try:
        time.sleep(0.2)  # both have started
        assert stop_leftovers("smtp-sink", str(tmp_path / "mail")) == [ours.pid]
        assert ours.wait(timeout=5) == -15  # SIGTERM
        assert another_checkouts.poll() is None
        assert stop_leftovers("smtp-sink", str(tmp_path / "mail")) == []
    finally:
        another_checkouts.kill()
        another_checkouts.wait()


def test_a_leftover_deaf_to_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    deaf = _sleeper(
        "deaf",
        str(tmp_path),
        code="import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
    )
    time.sleep(0.3)
    started = time.monotonic()
    assert stop_leftovers("deaf", str(tmp_path), timeout=0.5) == [deaf.pid]
    assert deaf.wait(timeout=5) == -9
    assert 0.4 < time.monotonic() - started < 5


def test_waiting_for_a_recorded_pid_checks_it_is_still_that_process() -> None:
    stopping = _sleeper("forks", code="import time; time.sleep(0.5)")
    time.sleep(0.2)
    assert wait_gone(stopping.pid, "forks", timeout=10)  # it ends on its own
    assert process_args(stopping.pid) == []
    stopping.wait()
    # A pid now held by another program (or by none) is not waited for, nor killed.
    other = _sleeper("not-the-fork-server")
    try:
        assert not wait_gone(other.pid, "forks", timeout=0.1)
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_a_stack_file_whose_supervisor_is_gone_tells_only_the_next_start(tmp_path: Path) -> None:
    gone = _sleeper(code="pass")
    gone.wait()
    info = stackfile.StackInfo(
        pid=gone.pid,
        database_url="postgresql://stack@/openecf",
        kafka_bootstrap="127.0.0.1:9092",
        edge_url="http://127.0.0.1:8000",
        forks_pid=4321,
    )
    stackfile.write(tmp_path, info)
    assert stackfile.read(tmp_path) is None  # the command line ignores it
    assert stackfile.left_by_a_dead_supervisor(tmp_path) == info
    stackfile.write(tmp_path, dataclasses.replace(info, pid=os.getpid()))
    assert stackfile.read(tmp_path) is not None
    assert stackfile.left_by_a_dead_supervisor(tmp_path) is None


def test_a_process_is_found_by_its_log_through_a_linked_data_folder(tmp_path: Path) -> None:
    """OPENECF_DATA_DIR may name the folder through a symbolic link; /proc names the real one."""
    (tmp_path / "real" / "logs").mkdir(parents=True)
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    with (tmp_path / "real" / "logs" / "auth.log").open("ab") as log:
        writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdout=log)
    try:
        assert writer.pid in pids_logging_into(tmp_path / "linked" / "logs")
        assert writer.pid not in pids_logging_into(tmp_path)
    finally:
        writer.kill()
        writer.wait()
