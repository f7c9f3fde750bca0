"""The fault scheduler: SIGKILL every kind of process at random moments, then restart it.

Targets are every replica of every service, every edge, the Kafka broker, PostgreSQL and the
SMTP sink. The order, and the point of the load at which each kill lands (a share of the filings
received, plus a pause), come from one seeded ``random.Random``: a run's schedule is
reproducible from its seed, and every kill falls while filings are still coming in. The broker
restarts in the background (it recovers its logs for half a minute here) while the schedule
goes on.

Like Kubernetes' ``restartPolicy: Always``, a watchdog restarts any process that exits on its
own: a service started while the broker is still recovering cannot reach it and exits (its
pod would crash-loop the same way); those restarts are counted apart from the kills.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from services.common.settings import PROCESS_NAMES
from services.stack.supervisor import LocalStack

log = logging.getLogger("faults")

KAFKA, POSTGRES, SMTP = "kafka", "postgres", "smtp"


def targets(stack: LocalStack) -> list[str]:
    """Every process the scheduler kills: each replica, each edge, broker, database, SMTP."""
    processes = [name for process in PROCESS_NAMES for name in stack.replica_names(process)]
    return [*processes, KAFKA, POSTGRES, SMTP]


def kind_of(target: str) -> str:
    """``auth-2`` → ``auth``: kills are counted per kind of process."""
    return target.rsplit("-", 1)[0] if target[-1].isdigit() else target


@dataclass
class Chaos:
    stack: LocalStack
    rng: random.Random
    rounds: int = 1
    # How far along the load is (receipts so far); the schedule spreads the kills over it.
    progress: Callable[[], int] = lambda: 0
    total: int = 1
    pause_seconds: tuple[float, float] = (0.0, 1.0)
    down_seconds: tuple[float, float] = (0.0, 1.5)
    kills: Counter[str] = field(default_factory=Counter)
    log_lines: list[str] = field(default_factory=list)
    last_restart: float = 0.0
    error: BaseException | None = None
    exits: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _closed: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _down: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        self._thread.start()
        threading.Thread(target=self._watch, name="watchdog", daemon=True).start()

    def close(self) -> None:
        """Stop the watchdog (after the accounting: the stack is stopped next)."""
        self._closed.set()

    def _watch(self) -> None:
        while not self._closed.wait(0.5):
            for name, child in list(self.stack.children.items()):
                with self._lock:
                    if name in self._down or self._closed.is_set():
                        continue
                    process = child.process
                    if process is not None and process.poll() is not None:
                        self.exits[name] += 1
                        log.info("%s exited (%s); restarting it", name, process.returncode)
                        self.stack.respawn_child(name)

    def join(self, timeout: float) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"the fault schedule did not finish in {timeout:.0f}s")
        if self.error is not None:
            raise AssertionError(f"the fault scheduler failed: {self.error!r}") from self.error

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            plan: list[str] = []
            for _ in range(self.rounds):
                order = targets(self.stack)
                self.rng.shuffle(order)
                plan += order
            started = time.monotonic()
            marks = sorted(self.rng.uniform(0.02, 0.9) * self.total for _ in plan)
            background: list[threading.Thread] = []
            for target, mark in zip(plan, marks, strict=True):
                while self.progress() < mark:
                    if self._stop.wait(0.05):
                        return
                if self._stop.wait(self.rng.uniform(*self.pause_seconds)):
                    return
                down = self.rng.uniform(*self.down_seconds)
                if target == KAFKA and any(t.is_alive() for t in background):
                    continue  # still recovering from the last kill
                self._kill(target)
                killed_at = time.monotonic()
                self.kills[kind_of(target)] += 1
                line = (
                    f"{killed_at - started:7.1f}s  killed {target} at filing"
                    f" {self.progress()}/{self.total} (down {down:.1f}s)"
                )
                self.log_lines.append(line)
                log.info(line)
                if target == KAFKA:
                    thread = threading.Thread(target=self._restart_later, args=(target, down))
                    thread.start()
                    background.append(thread)
                else:
                    self._restart_later(target, down)
            for thread in background:
                thread.join()
        except BaseException as exc:  # reported by join()
            self.error = exc

    def _restart_later(self, target: str, down: float) -> None:
        try:
            time.sleep(down)
            self._restart(target)
            self.last_restart = max(self.last_restart, time.monotonic())
        except BaseException as exc:
            self.error = exc

    def _kill(self, target: str) -> None:
        with self._lock:
            self._down.add(target)  # the watchdog leaves it to us until we restart it
        if target == KAFKA:
            broker = self.stack.kafka
            assert broker is not None and broker._process is not None
            broker._process.kill()
            broker._process.wait()
        elif target == POSTGRES:
            assert self.stack.postgres is not None
            pid = self.stack.postgres._postmaster_pid()
            assert pid is not None, "no PostgreSQL postmaster to kill"
            os.kill(pid, signal.SIGKILL)
        else:
            self.stack.kill_child(target)

    def _restart(self, target: str) -> None:
        if target == KAFKA:
            broker = self.stack.kafka
            assert broker is not None
            broker.stop()  # forget the dead process (closes its log file)
            _retry(broker.start, what="Kafka")
        elif target == POSTGRES:
            assert self.stack.postgres is not None
            _retry(self.stack.postgres.start, what="PostgreSQL")
        else:
            with self._lock:
                self.stack.respawn_child(target)
        with self._lock:
            self._down.discard(target)


def _retry(start: object, *, what: str, attempts: int = 5) -> None:
    for attempt in range(attempts):
        try:
            start()  # type: ignore[operator]
            return
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            log.warning("%s did not restart; trying again", what, exc_info=True)
            time.sleep(1)
