"""The edge's own refusals, reported to auth as observations for technical-failure proposals.

When the edge answers 503 ``unavailable`` (a service UNAVAILABLE, DEADLINE_EXCEEDED, a
replica gone mid-call, a database restarting) to a filing, docket or document request outside
the maintenance window, it tells auth (``TechnicalFailureService/ReportRefusal``); after such
refusals, the first successful request of the same kind is reported too (the recovery), so
the proposal job knows where the run ended. Auth's job reads these beside its own health
probes (``services/common/technical_failures.py`` states the rule).

Why an RPC and not an event: the edge has no database, so no outbox; a Kafka producer in the
edge for this alone would be a second path to keep healthy, while auth's channel is already
open. The report never blocks the response: it is queued (bounded) and sent by one thread
with a short timeout; a report that cannot be sent is dropped and counted, which costs the
proposal job one observation while auth's health probes keep observing. Refusals of one kind
are reported at most once every ``COALESCE_SECONDS`` per edge replica: a storm of 503s is a
few reports, not one per request.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
from court.v1 import maintenance_pb2, maintenance_pb2_grpc
from prometheus_client import Counter

log = logging.getLogger(__name__)

COALESCE_SECONDS = 5.0
QUEUE_SIZE = 64
SEND_TIMEOUT_SECONDS = 2.0

# What a request is for, by its path: the kinds auth accepts (REFUSAL_AREAS in its servicer).
AREAS: tuple[tuple[str, str], ...] = (
    ("/api/v1/filings", "filing"),
    ("/api/v1/clerk/paper-filings", "filing"),
    ("/api/v1/documents/", "documents"),
    ("/api/v1/free-looks/", "documents"),
    ("/api/v1/cases/", "docket"),
)

REFUSALS_REPORTED = Counter(
    "openecf_refusal_reports_total",
    "Reports of the edge's 503 refusals (and recoveries after them) sent to auth.",
    ["what", "kind", "outcome"],
)


def area_of(path: str) -> str | None:
    """The kind of request a path is (filing, docket, documents), or None when not watched."""
    for prefix, area in AREAS:
        if path == prefix or path.startswith(prefix if prefix.endswith("/") else prefix + "/"):
            return area
    return None


Send = Callable[[str, bool], None]  # (what, recovered) → sent, or raises


@dataclass
class RefusalReporter:
    """Decides what to report (pure bookkeeping); ``start`` adds the sending thread."""

    send: Send
    closed: Callable[[], bool] = lambda: False  # the court is in its maintenance window
    clock: Callable[[], float] = time.monotonic
    coalesce_seconds: float = COALESCE_SECONDS
    _last_refusal: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _queue: queue.Queue[tuple[str, bool]] = field(
        default_factory=lambda: queue.Queue(maxsize=QUEUE_SIZE)
    )

    def refused(self, path: str) -> None:
        what = area_of(path)
        if what is None or self.closed():
            return
        now = self.clock()
        with self._lock:
            last = self._last_refusal.get(what)
            if last is not None and now - last < self.coalesce_seconds:
                return
            self._last_refusal[what] = now
        self._enqueue(what, recovered=False)

    def succeeded(self, path: str) -> None:
        what = area_of(path)
        if what is None:
            return
        with self._lock:
            if self._last_refusal.pop(what, None) is None:
                return  # nothing was refused since the last success: nothing to say
        self._enqueue(what, recovered=True)

    def _enqueue(self, what: str, *, recovered: bool) -> None:
        try:
            self._queue.put_nowait((what, recovered))
        except queue.Full:
            REFUSALS_REPORTED.labels(what, _kind(recovered), "dropped").inc()

    def pending(self) -> list[tuple[str, bool]]:
        """Take what is queued (the sender's work; tests of the bookkeeping read it)."""
        taken = []
        while True:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                return taken

    def send_one(self, timeout: float) -> bool:
        try:
            what, recovered = self._queue.get(timeout=timeout)
        except queue.Empty:
            return False
        try:
            self.send(what, recovered)
            outcome = "sent"
        except Exception as exc:  # the response went out already; this is best effort
            outcome = "failed"
            log.warning(
                "a refusal report did not reach auth", extra={"what": what, "error": str(exc)}
            )
        REFUSALS_REPORTED.labels(what, _kind(recovered), outcome).inc()
        return True

    def start(self) -> None:
        def run() -> None:
            while True:
                self.send_one(timeout=60.0)

        threading.Thread(target=run, name="refusal-reports", daemon=True).start()


def _kind(recovered: bool) -> str:
    return "recovery" if recovered else "refusal"


def auth_sender(channel: grpc.Channel) -> Send:
    stub = maintenance_pb2_grpc.TechnicalFailureServiceStub(channel)

    def send(what: str, recovered: bool) -> None:
        stub.ReportRefusal(
            maintenance_pb2.ReportRefusalRequest(what=what, recovered=recovered),
            timeout=SEND_TIMEOUT_SECONDS,
        )

    return send
