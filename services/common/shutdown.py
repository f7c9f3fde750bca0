"""How a process hears that it should stop, and how it shows where it is stuck.

A Python signal handler runs in the main thread between two of its bytecodes. When the main
thread is inside ``Event.wait()`` it may be holding that Event's own lock at that moment, and a
handler that calls ``Event.set()`` then waits for itself forever: the process ignores every
later SIGTERM until it is killed (python/cpython#126434 describes the same for
multiprocessing's Event). So the handlers here do nothing in Python: the interpreter writes the
signal's number to a pipe (``signal.set_wakeup_fd``) and a thread of its own sets the Event.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import threading

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
DUMP_SIGNAL = signal.SIGUSR1


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM or SIGINT sets ``stop`` (and SIGUSR1 dumps the threads). Call from the main
    thread, once per process."""
    dump_threads_on_signal()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: None)  # the byte in the pipe is the message

    def relay() -> None:
        while os.read(read_end, 1)[0] not in STOP_SIGNALS:
            pass
        stop.set()

    threading.Thread(target=relay, name="stop-signal", daemon=True).start()


def dump_threads_on_signal() -> None:
    """SIGUSR1 writes every thread's stack to stderr (the process's log), from C: it works
    while the main thread is stuck, which is when an operator or the supervisor asks."""
    faulthandler.register(DUMP_SIGNAL, all_threads=True)
