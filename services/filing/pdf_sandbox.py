"""Runs the PDF intake checks in worker processes whose time and memory are bounded.

pypdf is pure Python and hardened, but a hostile file can still make it spin or allocate for a
long time, and PDFium is C++. Each check therefore runs in a separate worker process with an
address-space limit (RLIMIT_AS) and under a wall-clock budget that grows with the page count
(``PdfLimits.seconds_for``, in the worker's CPU seconds, capped by the caller's wall-clock
``budget_seconds``): the worker tells the parent the page count as soon as it knows it, stops
itself when its budget is spent with a clean ``pdf_too_complex`` finding, and the parent kills
it if it has not within a multiple of that budget in wall time. A worker that
overruns or runs out of memory is replaced, and the answer is ``pdf_too_complex``: the file may
be valid, it only could not be checked within the limits.

Design choices:
- Our own small pool of ``multiprocessing`` processes, one pipe each, rather than
  ``concurrent.futures.ProcessPoolExecutor``: the executor cannot stop a running task, and a
  worker killed under it breaks the whole pool (BrokenProcessPool) for every caller. Here each
  worker is checked out by one caller at a time, so the caller that sees the timeout kills exactly
  that process and puts a fresh one in its place while the other workers keep serving.
- Workers are forked by multiprocessing's fork server (``forkserver``), never by the filing
  server itself: that has gRPC threads, and forking a threaded process copies locks held by other
  threads (gRPC documents fork as unsupported). The fork server is a fresh single-threaded
  interpreter that has imported the PDF libraries and the service's main module once
  (``_PRELOADED``), so a worker, a replacement for one killed included, starts in milliseconds
  with nothing of a parsed file in it: a spawned interpreter cost 0.2 to 0.5 s of CPU each.
- The parent sends a small JSON header (the budget) and then the bytes; the worker answers
  ``{"pages": n}`` once the page tree is read, then the report.
- Results come back as small JSON documents, never pickles: the worker is the side that parses
  hostile input, so the parent must not unpickle what it sends. The parent recomputes size and
  SHA-256 itself and validates every field.
- A worker that dies while idle or mid-check (killed from outside, OOM killer) is replaced; a
  check that lost its worker that way is retried once on a fresh worker, then answered as too
  complex.
- Besides the parent's timer, each worker lowers its own RLIMIT_CPU before every check, so a
  runaway worker dies even if the parent is gone and cannot kill it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import resource
import signal
import threading
import time
import warnings
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from services.filing.pdf_report import (
    CODES,
    PDF_TOO_COMPLEX,
    TOO_COMPLEX,
    Finding,
    PdfLimits,
    PdfReport,
    precheck,
    report_for,
)

__all__ = ["PdfInspector"]

_READY = b"ready"
_MAX_REPLY_BYTES = 1 << 20
# What the fork server imports once for every worker: the checks, and the module the filing
# service runs from (`openecf serve filing`), which multiprocessing has each worker run again as
# its own main module; with its imports already loaded, that costs the worker nothing.
_PRELOADED = ("services.filing.pdf_checks", "services.cli.main")
_STARTUP_SECONDS = 60.0  # the fork server's first start imports pypdf, on a loaded machine
# The worker stops itself when its CPU budget is spent; the parent, which sees only wall time,
# allows this many times that (other processes share the cores) plus a grace, within the
# caller's wall-clock budget. Before the page count is known (parsing, where hostile structure
# spins and the worker cannot stop itself) the factor is smaller, so a hostile file holds a
# worker for little longer than the base.
_WALL_FACTOR = 4.0
_WALL_FACTOR_PARSING = 2.0
_GRACE_SECONDS = 2.0


class PdfInspector:
    """A thread-safe pool of sandboxed workers running ``inspect_pdf``."""

    def __init__(
        self,
        *,
        workers: int = 2,
        memory_bytes: int = 512 * 2**20,
        limits: PdfLimits = PdfLimits(),  # noqa: B008 - frozen dataclass, safe as a default
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if limits.base_seconds <= 0:
            raise ValueError("limits.base_seconds must be positive")
        self._size = workers
        self._memory = memory_bytes
        self._limits = limits
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(_PRELOADED))
        self._spawn_lock = threading.Lock()  # Process.start touches module-global state
        self._lock = threading.Condition()  # guards the fields below
        self._idle: list[_Worker] = []
        self._workers: set[_Worker] = set()  # idle and checked out
        self._starting = 0  # workers being spawned by a caller, not yet in _workers
        self._closed = False
        # Started now so the first filings do not wait for interpreters to boot.
        for _ in range(workers):
            self._idle.append(self._spawn())

    def __enter__(self) -> PdfInspector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def inspect(self, data: bytes, *, budget_seconds: float | None = None) -> PdfReport:
        """Check one PDF; ``budget_seconds`` caps its time (the filing's remaining budget)."""
        if budget_seconds is not None and budget_seconds <= 0:
            return _too_complex(data)
        early = precheck(data, self._limits)
        if early is not None:  # no need to ship 50 MB across a pipe to learn it is too large
            return early
        for attempt in range(2):
            worker = self._acquire()
            try:
                reply = worker.run(data, self._limits, budget_seconds)
            except _WorkerLost:
                self._replace(worker)
                if attempt == 0:
                    continue  # maybe killed from outside: give the file one fresh worker
                return _too_complex(data)
            except _Overrun:
                self._replace(worker)
                return _too_complex(data)
            except BaseException:
                self._replace(worker)  # the pipe is in an unknown state
                raise
            report = _report_from(data, reply)
            if report is None:  # out of memory, or a reply we cannot trust
                self._replace(worker)
                return _too_complex(data)
            self._release(worker)
            return report
        return _too_complex(data)  # pragma: no cover - the loop always returns

    def worker_pids(self) -> list[int]:
        """Process ids of the current workers (for diagnostics and tests)."""
        with self._lock:
            return sorted(w.process.pid for w in self._workers if w.process.pid is not None)

    def close(self) -> None:
        """Stop every worker; checks running now finish, later calls raise RuntimeError."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._lock.notify_all()
        for worker in idle:
            self._retire(worker)

    # -- pool: at most `workers` processes; a lost one is replaced at once, or by the next
    # caller if spawning failed, so callers never wait on a pool that has shrunk to nothing.

    def _spawn(self) -> _Worker:
        with self._spawn_lock:
            worker = _Worker(self._context, self._memory, self._limits)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
            self._lock.notify()  # a waiting caller may now spawn in its place
        worker.stop()

    def _acquire(self) -> _Worker:
        worker: _Worker | None = None
        with self._lock:
            while worker is None:
                if self._closed:
                    raise RuntimeError("the PDF inspector is closed")
                if self._idle:
                    worker = self._idle.pop()
                elif len(self._workers) + self._starting < self._size:
                    self._starting += 1
                    break
                else:
                    self._lock.wait()
        if worker is None:
            try:
                return self._spawn()
            finally:
                with self._lock:
                    self._starting -= 1
        if not worker.alive():  # died while idle (killed from outside): warm up another
            self._replace(worker)
            return self._acquire()
        return worker

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                self._lock.notify()
                return
        self._retire(worker)

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        with self._lock:
            if self._closed or len(self._workers) + self._starting >= self._size:
                return
            self._starting += 1
        try:
            # If spawning fails, _acquire spawns later; this caller already has its answer.
            with contextlib.suppress(Exception):
                self._release(self._spawn())
        finally:
            with self._lock:
                self._starting -= 1


def _too_complex(data: bytes) -> PdfReport:
    return report_for(data, [Finding(PDF_TOO_COMPLEX, TOO_COMPLEX)])


def _report_from(data: bytes, reply: Any) -> PdfReport | None:
    """The worker's answer, checked field by field; None when it is not a usable report."""
    if not isinstance(reply, dict) or "error" in reply:
        return None
    pages, raw, chars = reply.get("pages"), reply.get("findings"), reply.get("text_chars")
    if not isinstance(pages, int) or pages < 0 or not isinstance(raw, list):
        return None
    if not isinstance(chars, list) or len(chars) > pages:
        return None
    if not all(isinstance(c, int) and c >= 0 for c in chars):
        return None
    findings = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and item[0] in CODES):
            return None
        if not isinstance(item[1], str) or len(item[1]) > 1000:
            return None
        findings.append(Finding(item[0], item[1]))
    return report_for(data, findings, pages, chars)


class _WorkerLost(Exception):
    """The worker process is gone (killed, crashed) or stopped talking."""


class _Overrun(Exception):
    """The check did not finish within the timeout."""


class _Worker:
    def __init__(self, context: Any, memory_bytes: int, limits: PdfLimits) -> None:
        ours, theirs = context.Pipe(duplex=True)
        process: BaseProcess = context.Process(
            target=_worker_main,
            args=(theirs, memory_bytes, limits),
            name="pdf-inspector",
            daemon=True,  # never outlive the service, even without close()
        )
        process.start()
        theirs.close()
        self.process = process
        self.conn: Connection = ours
        self.ready = False

    def alive(self) -> bool:
        return self.process.is_alive()

    def run(self, data: bytes, limits: PdfLimits, budget: float | None) -> Any:
        try:
            if not self.ready:
                # Interpreter start-up is not the file's fault: it has its own allowance.
                if not self.conn.poll(_STARTUP_SECONDS) or self.conn.recv_bytes(64) != _READY:
                    raise _WorkerLost("the worker did not start")
                self.ready = True
        except (EOFError, OSError) as error:
            raise _WorkerLost(str(error)) from error
        started = time.monotonic()

        def allowed(cpu_seconds: float, factor: float = _WALL_FACTOR) -> float:
            wall = cpu_seconds * factor
            return (wall if budget is None else min(wall, budget)) + _GRACE_SECONDS

        deadline = started + allowed(limits.base_seconds, _WALL_FACTOR_PARSING)
        # send_bytes blocks while the worker does not read (a stopped process): the watchdog
        # kills it a little after the deadline, which unblocks the pipe.
        expired = threading.Event()
        watchdog = threading.Timer(deadline - started + 1.0, self._expire, (expired,))
        watchdog.daemon = True
        watchdog.start()
        try:
            self.conn.send_bytes(json.dumps({"budget": budget}).encode())
            self.conn.send_bytes(data)
            watchdog.cancel()
            while True:
                if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                    raise _Overrun
                reply = json.loads(self.conn.recv_bytes(_MAX_REPLY_BYTES))
                progress = reply.get("progress") if isinstance(reply, dict) else None
                if not isinstance(progress, dict):
                    return reply
                pages = progress.get("pages")
                if isinstance(pages, int) and 0 <= pages <= limits.max_pages:
                    deadline = started + allowed(limits.seconds_for(pages))
        except (EOFError, OSError, ValueError) as error:
            # EOF/broken pipe: the process died; OSError also covers an oversized reply and
            # ValueError a reply that is not JSON.
            if expired.is_set():
                raise _Overrun from error
            raise _WorkerLost(str(error)) from error
        finally:
            watchdog.cancel()

    def _expire(self, expired: threading.Event) -> None:
        expired.set()
        self.process.kill()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()
        if self.process.exitcode is not None:
            self.process.close()  # release its file descriptors now, not at garbage collection


# --------------------------------------------------------------------------- worker side


def _worker_main(conn: Connection, memory_bytes: int, limits: PdfLimits) -> None:
    """Loop of one worker process: a header and bytes in, progress and a JSON report out."""
    # The PDF libraries load here, in the worker, before it says it is ready: the parent
    # (the filing service) never needs them.
    from services.filing.pdf_checks import inspect_pdf

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal: the parent decides
    # pypdf warns about every oddity of a hostile file; those are findings, not service logs.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    conn.send_bytes(_READY)
    longest = limits.seconds_for(limits.max_pages)
    while True:
        try:
            header = json.loads(conn.recv_bytes(4096))
            data = conn.recv_bytes()
        except (EOFError, OSError, ValueError):
            return  # the parent is gone or closed the pipe
        except MemoryError:  # the file alone does not fit under the memory limit
            _send(conn, {"error": "memory"})
            return
        budget = header.get("budget") if isinstance(header, dict) else None
        budget = float(budget) if isinstance(budget, (int, float)) else None
        _limit_cpu_for_next_check(int(longest if budget is None else min(budget, longest)) + 30)
        try:
            report = inspect_pdf(
                data,
                limits,
                budget_seconds=budget,
                on_pages=lambda pages: _send(conn, {"progress": {"pages": pages}}),
            )
        except MemoryError:
            del data
            _send(conn, {"error": "memory"})
            return  # exit: the heap of a process that ran out of memory is not to be trusted
        _send(
            conn,
            {
                "pages": report.pages,
                "findings": [[f.code, f.message] for f in report.findings],
                "text_chars": list(report.text_chars),
            },
        )


def _limit_cpu_for_next_check(seconds: int) -> None:
    # The parent kills overruns; this also stops a runaway worker whose parent has died.
    # Soft limit only: it can be raised again before the next check, the hard one cannot.
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = spent + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _send(conn: Connection, reply: dict[str, Any]) -> None:
    # If even this fails, the parent sees a lost worker and answers for it.
    with contextlib.suppress(OSError, MemoryError):
        conn.send_bytes(json.dumps(reply).encode())
