"""Stop signals that cannot deadlock the main thread, and the thread dump a stuck process gives.

Each case runs a small Python process of its own: signals are process-wide.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from services.stack.supervisor import stop_process

REPO = Path(__file__).resolve().parents[3]

# The main thread holds the Event's own lock, as Event.wait() does between its checks, when
# SIGTERM arrives. A handler that called Event.set() would wait for that lock in the same
# thread forever; stop_on_signals sets the Event once the lock is free.
HOLDS_THE_LOCK = """
    import sys, threading, time
    from services.common.shutdown import stop_on_signals
    stop = threading.Event()
    stop_on_signals(stop)
    print("ready", flush=True)
    with stop._cond:
        time.sleep(1.0)  # SIGTERM lands here
    sys.exit(0 if stop.wait(10) else 3)
"""

IGNORES_SIGTERM = """
    import signal, time
    from services.common.shutdown import dump_threads_on_signal
    dump_threads_on_signal()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("ready", flush=True)
    def stuck_here():
        time.sleep(60)
    stuck_here()
"""


def _start(script: str, stderr: int | object = subprocess.PIPE) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=stderr,  # type: ignore[arg-type]
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"
    return process


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_while_the_main_thread_holds_the_events_lock_still_stops_it(
    signum: signal.Signals,
) -> None:
    process = _start(HOLDS_THE_LOCK)
    process.send_signal(signum)
    try:
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()


def test_a_process_that_does_not_stop_leaves_its_stacks_in_its_log_and_is_killed(
    tmp_path: Path,
) -> None:
    log = tmp_path / "stuck.log"
    with log.open("wb") as out:
        process = _start(IGNORES_SIGTERM, stderr=out)
    code = stop_process(process, "stuck", timeout=0.5)
    assert code == -signal.SIGKILL
    dump = log.read_text()
    assert "most recent call first" in dump, dump
    assert "stuck_here" in dump, dump
