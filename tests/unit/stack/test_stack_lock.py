"""One supervisor per data folder: `stack.lock`, held from the first step to the last."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support.stack import stack_settings

from services.stack import stackfile
from services.stack.supervisor import LocalStack

HOLDS_IT = (
    "import sys, time; from pathlib import Path; from services.stack import stackfile;"
    " stackfile.hold(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)"
)


def _another_process_holding(data_dir: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDS_IT, str(data_dir)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    holder = _another_process_holding(tmp_path)
    try:
        with pytest.raises(stackfile.AlreadyRunning, match=rf"\(pid {holder.pid}\)"):
            stackfile.hold(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    stackfile.release(stackfile.hold(tmp_path))  # the kernel dropped it with its holder


def test_released_it_can_be_taken_again(tmp_path: Path) -> None:
    first = stackfile.hold(tmp_path)
    with pytest.raises(stackfile.AlreadyRunning):
        stackfile.hold(tmp_path)  # even by the same process, through another descriptor
    stackfile.release(first)
    stackfile.release(stackfile.hold(tmp_path))
    assert (tmp_path / stackfile.LOCK_NAME).stat().st_mode & 0o077 == 0


def test_a_stack_on_a_held_folder_starts_nothing_and_leaves_the_stack_file(
    tmp_path: Path,
) -> None:
    """What a second `make run` in the same checkout did: it took the first one's broker and
    PostgreSQL for a crashed run's leftovers, and replaced its stack file."""
    settings = stack_settings(tmp_path)
    holder = _another_process_holding(tmp_path)
    first = stackfile.StackInfo(holder.pid, "postgresql://stack@/openecf", "", "http://x:1")
    stackfile.write(tmp_path, first)
    stack = LocalStack(settings=settings, cache_dir=tmp_path, announce=lambda _line: None)
    try:
        with pytest.raises(stackfile.AlreadyRunning):
            stack.up()
        assert stack.postgres is None and stack.kafka is None and stack.fork_server is None
        assert stackfile.read(tmp_path) == first
        stack.down()  # what `openecf stack up` does after a failed start: nothing to stop
        assert stackfile.read(tmp_path) == first
        assert holder.poll() is None
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
