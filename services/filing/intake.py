"""Receiving a filing: check it, store its PDFs in the vault, commit the envelope and its event.

The receipt's time is when the filing arrived, in UTC and court-local time: a filing
received at 23:59:59 Pacific is filed that day.

Fairness (PDF checks are the expensive part, and two workers serve everyone):
- who may file is decided before any PDF is opened: a refused caller costs a database read;
- one filing's documents share one time budget (``check_budget_seconds``);
- the first refused document stops the others (``/filings/check`` may ask to check them all);
- an account may have ``max_concurrent_checks`` filings checked at once (more: ``rate_limited``);
- an Idempotency-Key is claimed before any inspection: a concurrent duplicate waits for the
  first to finish and answers its receipt, inspecting and storing nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg import Connection
from psycopg.errors import UniqueViolation
from psycopg_pool import ConnectionPool

from services.common import court
from services.common.clock import Clock, system_clock
from services.common.db import one_statement
from services.common.errors import CourtError
from services.common.outbox import publish
from services.common.principal import Principal
from services.common.wire import fill_court_time
from services.filing import attempts, metrics, ocr, rules, store
from services.filing.models import (
    CASE_TYPES,
    FILING_TYPES,
    Filing,
    FilingRequest,
    StoredDocument,
    Upload,
    party_proto,
)
from services.filing.pdf_report import PdfReport, has_pdf_header
from services.filing.pdf_sandbox import PdfInspector
from services.filing.vault import Vault

log = logging.getLogger(__name__)

# HTTP status by code comes from services.common.errors; this is only the order of severity
# in which a refused filing reports its first problem.
_FINDING_PRIORITY = ("too_large", "not_pdf")


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    document_index: int | None = None


@dataclass(frozen=True)
class IntakeLimits:
    max_file_bytes: int
    max_total_bytes: int
    max_attachments: int
    review_types: frozenset[str]
    # Time all of a filing's PDFs may take together, and filings an account may check at once.
    check_budget_seconds: float = 100.0
    max_concurrent_checks: int = 2
    # OCR of each scanned document of a paper filing (before its checks).
    ocr_limits: ocr.OcrLimits = field(default_factory=ocr.OcrLimits)


# A duplicate submit polls for the first one's outcome at this pace.
_CLAIM_POLL_SECONDS = (0.05, 0.5)
# A duplicate waits at most this long after the budget for a live holder to finish.
_CLAIM_STALE_MARGIN_SECONDS = 60.0
# The holder's process renews its claims this often; a claim not renewed for
# _CLAIM_ORPHANED_SECONDS lost its holder (a process killed mid-filing), and the client's retry
# takes it over then, not minutes later. Two holders at once (a renewal missed while the
# database was away) stay correct: the filing's unique key makes the second a replay.
CLAIM_RENEW_SECONDS = 2.0
_CLAIM_ORPHANED_SECONDS = 10.0


class Intake:
    def __init__(
        self,
        *,
        pool: ConnectionPool,
        vault: Vault,
        inspector: PdfInspector,
        limits: IntakeLimits,
        tz: ZoneInfo,
        clock: Clock = system_clock,
    ) -> None:
        self._pool = pool
        self._tz = tz
        self._vault = vault
        self._inspector = inspector
        self._limits = limits
        self._clock = clock
        self._checks_lock = threading.Lock()
        self._checks_running: dict[str, int] = {}
        self._claims_lock = threading.Lock()
        self._claims_held: set[str] = set()

    @property
    def limits(self) -> IntakeLimits:
        """The court's limits this intake holds filings to (the stream reader reads them too)."""
        return self._limits

    def renew_claims(self) -> None:
        """Mark this process's claims alive (a worker calls this every CLAIM_RENEW_SECONDS)."""
        with self._claims_lock:
            held = sorted(self._claims_held)
        if held:
            with self._pool.connection() as conn:
                store.renew_claims(conn, held)

    # -- checking ------------------------------------------------------------------------

    def check(
        self, principal: Principal, request: FilingRequest, *, check_all: bool = False
    ) -> tuple[list[Finding], list[PdfReport | None]]:
        """Problems with the filing, as findings; nothing is stored. A caller the rules refuse
        gets that refusal alone: no PDF is opened for them."""
        try:
            self._check_rules(principal, request)
        except CourtError as error:
            return [Finding(error.code, error.message)], []
        with self._check_slot(principal):
            return self._check_documents(request, stop_at_first=not check_all)

    def _check_rules(self, principal: Principal, request: FilingRequest) -> rules.CaseFacts | None:
        case = None
        if court.is_case_number(request.case_number):
            with one_statement(self._pool) as conn:
                case = store.case_facts(conn, request.case_number)
        if request.paper is not None:
            today = self._clock.now().astimezone(self._tz).date()
            rules.check_paper_filing(principal, request, case, today=today)
            rules.check_form(request, max_attachments=self._limits.max_attachments)
            return case
        rules.check_paper_filer(principal, request, case)
        rules.check_form(request, max_attachments=self._limits.max_attachments)
        rules.check_filer(principal, request, case)
        return case

    @contextmanager
    def _check_slot(self, principal: Principal) -> Iterator[None]:
        """One of the account's few concurrent checks, or ``rate_limited``."""
        account, limit = principal.account_id, self._limits.max_concurrent_checks
        with self._checks_lock:
            running = self._checks_running.get(account, 0)
            if running >= limit:
                metrics.REFUSALS.labels("rate_limited").inc()
                raise CourtError(
                    "rate_limited",
                    f"{running} of your filings are being checked already (at most {limit} at"
                    " once); wait for them to finish and try again",
                    retry_after_seconds=5,
                )
            self._checks_running[account] = running + 1
        try:
            yield
        finally:
            with self._checks_lock:
                left = self._checks_running[account] - 1
                if left:
                    self._checks_running[account] = left
                else:
                    del self._checks_running[account]

    def _check_documents(
        self, request: FilingRequest, *, stop_at_first: bool
    ) -> tuple[list[Finding], list[PdfReport | None]]:
        findings: list[Finding] = []
        reports: list[PdfReport | None] = []
        total = sum(len(u.content) for u in request.uploads)
        if total > self._limits.max_total_bytes:
            findings.append(
                Finding("too_large", rules.filing_too_large(self._limits.max_total_bytes))
            )
            if stop_at_first:
                return findings, reports
        budget = self._limits.check_budget_seconds
        deadline = time.monotonic() + budget
        for index, upload in enumerate(request.uploads):
            if stop_at_first and findings:
                break  # the filing is refused already: the other documents wait their turn
            metrics.BYTES_RECEIVED.inc(len(upload.content))
            if len(upload.content) > self._limits.max_file_bytes:
                reports.append(None)
                findings.append(
                    Finding(
                        "too_large",
                        rules.document_too_large(upload.filename, self._limits.max_file_bytes),
                        index,
                    )
                )
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                findings.append(
                    Finding(
                        "pdf_too_complex",
                        f"{upload.filename}: the filing's documents together take longer to"
                        f" check than the {budget:.0f} s allowed; file the longest ones in a"
                        " separate filing, or contact the Clerk's Office",
                        index,
                    )
                )
                break
            started = time.perf_counter()
            report = self._inspector.inspect(upload.content, budget_seconds=remaining)
            metrics.VALIDATION_SECONDS.observe(time.perf_counter() - started)
            reports.append(report)
            findings.extend(
                Finding(f.code, f"{upload.filename}: {f.message}", index) for f in report.findings
            )
        return findings, reports

    # -- submitting ----------------------------------------------------------------------

    def submit(
        self, principal: Principal, request: FilingRequest, *, idempotency_key: str | None
    ) -> tuple[Filing, bool]:
        """File it; returns (the filing, whether this was a replay of an earlier submit)."""
        received_at = self._clock.now()
        fingerprint = request_fingerprint(request)
        claim_id: str | None = None
        if idempotency_key:
            earlier, claim_id = self._claim(principal, idempotency_key, fingerprint)
            if earlier is not None:
                return earlier, True
        committed = False
        try:
            filing, replayed = self._file(
                principal,
                request,
                received_at=received_at,
                fingerprint=fingerprint,
                idempotency_key=idempotency_key,
                claim_id=claim_id,
            )
            committed = not replayed  # the filing's own transaction released the claim
            return filing, replayed
        finally:
            if claim_id is not None:
                with self._claims_lock:
                    self._claims_held.discard(claim_id)
                if not committed:  # refused or failed: let a retry (or a waiter) go ahead
                    with self._pool.connection() as conn:
                        store.release_claim(conn, claim_id)

    def _claim(
        self, principal: Principal, key: str, fingerprint: str
    ) -> tuple[Filing | None, str | None]:
        """(the earlier filing, None) to replay, or (None, our claim id) to go ahead. While
        another request holds the key, wait for its outcome."""
        claim_id = str(uuid.uuid4())
        patience = self._limits.check_budget_seconds + _CLAIM_STALE_MARGIN_SECONDS
        give_up = time.monotonic() + patience
        pause = _CLAIM_POLL_SECONDS[0]
        while True:
            # The look, the claim and the second look in one transaction: one connection
            # checkout and one commit instead of three (each statement of READ COMMITTED sees
            # what committed before it, so the second look still sees a holder's commit).
            with self._pool.connection() as conn, conn.transaction():
                earlier = self._replay_in(conn, principal, key, fingerprint)
                if earlier is not None:
                    return earlier, None
                claimed = store.claim_key(
                    conn,
                    filer_account_id=principal.account_id,
                    key=key,
                    claim_id=claim_id,
                    request_sha256=fingerprint,
                    stale_after_seconds=_CLAIM_ORPHANED_SECONDS,
                )
                holder = (
                    None if claimed else store.claim_fingerprint(conn, principal.account_id, key)
                )
                if claimed:
                    # The holder may have committed between our look and our claim.
                    earlier = self._replay_in(conn, principal, key, fingerprint)
                    if earlier is not None:
                        store.release_claim(conn, claim_id)
                        return earlier, None
            if claimed:
                with self._claims_lock:
                    self._claims_held.add(claim_id)
                return None, claim_id
            if holder is not None and holder != fingerprint:
                raise CourtError(
                    "duplicate",
                    "this Idempotency-Key is in use for a different filing; use a new key",
                )
            if time.monotonic() > give_up:
                raise CourtError(
                    "rate_limited",
                    "a filing with this Idempotency-Key is still being checked; try again shortly",
                    retry_after_seconds=5,
                )
            time.sleep(pause)
            pause = min(pause * 2, _CLAIM_POLL_SECONDS[1])

    def _file(
        self,
        principal: Principal,
        request: FilingRequest,
        *,
        received_at: datetime,
        fingerprint: str,
        idempotency_key: str | None,
        claim_id: str | None,
    ) -> tuple[Filing, bool]:
        # Who may file is decided before the PDFs are opened: a refusal costs nothing.
        case = self._check_rules(principal, request)
        with self._check_slot(principal):
            if request.paper is not None:
                try:
                    request = self._with_text_layer(request)
                except CourtError as refused:
                    metrics.REFUSALS.labels(refused.code).inc()
                    metrics.FILINGS.labels(request.filing_type, "refused").inc()
                    raise
            findings, reports = self._check_documents(request, stop_at_first=True)
        if findings:
            first = min(
                findings,
                key=lambda f: _FINDING_PRIORITY.index(f.code) if f.code in _FINDING_PRIORITY else 9,
            )
            metrics.REFUSALS.labels(first.code).inc()
            metrics.FILINGS.labels(request.filing_type, "refused").inc()
            details = (
                {"document_index": str(first.document_index)}
                if first.document_index is not None
                else {}
            )
            raise CourtError(first.code, first.message, details=details)

        filing_id = str(uuid.uuid4())
        with one_statement(self._pool) as conn:
            attempts.begin(conn, filing_id)  # before any document exists: the sweep sees it
        try:
            return self._store_and_commit(
                principal,
                request,
                reports,
                case,
                filing_id=filing_id,
                received_at=received_at,
                fingerprint=fingerprint,
                idempotency_key=idempotency_key,
                claim_id=claim_id,
            )
        except BaseException:
            attempts.give_up(self._pool, self._vault, filing_id)
            raise

    def _with_text_layer(self, request: FilingRequest) -> FilingRequest:
        """A paper filing's scans, each given a text layer by OCR (pages with text are kept);
        a document over the size limit, or not a PDF (OCRmyPDF would take it for an image and
        fail), is left for the checks to refuse."""
        uploads = []
        for upload in request.uploads:
            content = upload.content
            if len(content) <= self._limits.max_file_bytes and has_pdf_header(content):
                started = time.perf_counter()
                content = ocr.add_text_layer(
                    content, filename=upload.filename, limits=self._limits.ocr_limits
                )
                metrics.OCR_SECONDS.observe(time.perf_counter() - started)
            uploads.append(Upload(upload.role, upload.filename, content))
        return dataclasses.replace(request, uploads=tuple(uploads))

    def _store_and_commit(
        self,
        principal: Principal,
        request: FilingRequest,
        reports: list[PdfReport | None],
        case: rules.CaseFacts | None,
        *,
        filing_id: str,
        received_at: datetime,
        fingerprint: str,
        idempotency_key: str | None,
        claim_id: str | None,
    ) -> tuple[Filing, bool]:
        documents = []
        for upload, report in zip(request.uploads, reports, strict=True):
            assert report is not None
            document_id = self._vault.store(
                filing_id=filing_id,
                filename=upload.filename,
                content=upload.content,
                sha256=report.sha256,
                pages=report.pages,
                case_number=request.case_number,
            )
            documents.append(
                StoredDocument(
                    document_id=document_id,
                    role=upload.role,
                    filename=upload.filename,
                    sha256=report.sha256,
                    pages=report.pages,
                    size_bytes=report.size_bytes,
                    page_text_chars=report.text_chars,
                )
            )
        paper = request.paper
        # The clerk docketing a paper filing is its review.
        requires_review = paper is None and request.filing_type in self._limits.review_types
        filing = Filing(
            filing_id=filing_id,
            filer_account_id=principal.account_id,
            filer_name=principal.name if paper is None else paper.filer_party,
            filing_type=request.filing_type,
            case_number=request.case_number,
            title=request.title,
            case_type=request.case_type
            if request.filing_type == "petition_for_review"
            else (case.case_type if case else ""),
            parties=request.parties,
            description=request.description,
            status="pending_review" if requires_review else "received",
            requires_review=requires_review,
            received_at=received_at if paper is None else paper.received_at(self._tz),
            documents=tuple(documents),
            origin_agency=request.origin_agency,
            alien_number=request.alien_number,
            receive_notices=request.receive_notices,
            filed_on_paper=paper is not None,
        )
        try:
            with self._pool.connection() as conn, conn.transaction():
                # One round trip for the statements (a pipeline) instead of one each; the
                # attempt's check is read after it, before the commit.
                with conn.pipeline():
                    store.insert_filing(
                        conn, filing, idempotency_key=idempotency_key, request_sha256=fingerprint
                    )
                    completed = attempts.complete_cursor(conn, filing_id)
                    if claim_id is not None:
                        store.release_claim(conn, claim_id)
                    publish(
                        conn,
                        event_type="filing.submitted",
                        source="filing",
                        subject=filing.case_number or filing.filing_id,
                        payload=submitted_event(filing, self._tz, entered_by_name=principal.name),
                    )
                attempts.check_completed(completed)
        except UniqueViolation:
            # The same key raced in from a second click: answer as a replay of the winner.
            assert idempotency_key
            earlier = self._replay(principal, idempotency_key, fingerprint)
            if earlier is None:
                raise
            attempts.give_up(self._pool, self._vault, filing_id)  # the winner has its own
            return earlier, True
        metrics.FILINGS.labels(request.filing_type, filing.status).inc()
        log.info(
            "filing received",
            extra={
                "filing_id": filing_id,
                "filing_type": filing.filing_type,
                "status": filing.status,
                # A paper filing's audit line: the clerk who entered it for the party.
                **({"filed_on_paper": True, "entered_by": principal.account_id} if paper else {}),
            },
        )
        return filing, False

    def _replay(self, principal: Principal, key: str, fingerprint: str) -> Filing | None:
        with self._pool.connection() as conn:
            return self._replay_in(conn, principal, key, fingerprint)

    @staticmethod
    def _replay_in(
        conn: Connection[Any], principal: Principal, key: str, fingerprint: str
    ) -> Filing | None:
        found = store.filing_by_key(conn, principal.account_id, key)
        if found is None:
            return None
        filing, earlier_fingerprint = found
        if earlier_fingerprint != fingerprint:
            raise CourtError(
                "duplicate",
                "this Idempotency-Key was already used for a different filing; use a new key",
                details={"filing_id": filing.filing_id},
            )
        return filing


def request_fingerprint(request: FilingRequest) -> str:
    """A digest of everything that makes a filing what it is (documents by content)."""
    digest = hashlib.sha256()
    for part in (
        request.filing_type,
        request.case_number,
        request.title,
        request.case_type,
        request.description,
        request.origin_agency,
        request.alien_number,
        # Only when said, so the digests of filings stored before the box stay the same.
        *([] if request.receive_notices is None else [f"notices={request.receive_notices}"]),
        *(
            []
            if request.paper is None
            else [f"paper={request.paper.filer_party}\x1f{request.paper.received_on}"]
        ),
        *[f"{p.name}\x1f{p.role}" for p in request.parties],
        *[
            f"{u.role}\x1f{u.filename}\x1f{hashlib.sha256(u.content).hexdigest()}"
            for u in request.uploads
        ],
    ):
        digest.update(part.encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def submitted_event(
    filing: Filing, tz: ZoneInfo, *, entered_by_name: str = ""
) -> events_pb2.FilingSubmitted:
    event = events_pb2.FilingSubmitted(
        filing_id=filing.filing_id,
        filing_type=FILING_TYPES[filing.filing_type],
        case_number=filing.case_number,
        title=filing.title,
        parties=[party_proto(p) for p in filing.parties],
        filer_account_id=filing.filer_account_id,
        filer_name=filing.filer_name,
        documents=[d.to_proto() for d in filing.documents],
        description=filing.description,
        requires_review=filing.requires_review,
        origin_agency=filing.origin_agency,
        alien_number=filing.alien_number,
    )
    if filing.receive_notices is not None:
        event.receive_notices = filing.receive_notices
    if filing.filed_on_paper:
        # The filer is the party (no account); the clerk entered it.
        event.filed_on_paper = True
        event.filer_account_id = ""
        event.entered_by_account_id = filing.filer_account_id
        event.entered_by_name = entered_by_name
    if filing.case_type in CASE_TYPES:
        event.case_type = CASE_TYPES[filing.case_type]
    fill_court_time(event.received_at, filing.received_at, tz)
    return event
