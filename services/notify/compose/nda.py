"""Stage 3, compose (NDAs): a free-look link per document per recipient address, then the
message, which joins the outgoing queue (``pending``).

Runs as its own worker, never inside the consumer: a slow or absent access service delays
the notices that need links and nothing else. A batch of ``needs_links`` notices is locked
(``FOR UPDATE SKIP LOCKED``, so replicas share the work and a crash frees the rows at once),
the batch's missing links are asked of access in one ``IssueFreeLooks`` call with notify's
service identity (each link comes back issued or refused on its own), and in the same
transaction the links are kept (a retry reuses them) and each notice is rendered and becomes
``pending``.

When access cannot answer (UNAVAILABLE, UNIMPLEMENTED, a deadline…, for every link of the
call) the notice is tried again with backoff; after ``notice_link_wait_seconds`` it goes out
without the missing links rather than not at all. A link access refuses for good (the document
was sealed meanwhile, say) is recorded and the notice says so.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import grpc
from court.v1 import access_pb2, access_pb2_grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.common.clock import Clock, system_clock
from services.common.commit_signal import Poll, Waiter
from services.common.court import restricted
from services.common.errors import ERROR_KINDS
from services.common.logs import trace_context
from services.common.settings import Settings
from services.notify.compose import nda_form
from services.notify.metrics import FREE_LOOKS
from services.notify.notices import paper_service
from services.notify.store import compose as store
from services.notify.store.notices import NoticeRow
from services.notify.store.views import EntryRow

log = logging.getLogger(__name__)

# Refusals that will not change by asking again: record them and compose without the link.
_PERMANENT_CODES = frozenset(
    {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION}
)
_PERMANENT_REASONS = frozenset({"sealed", "restricted_case", "validation_failed"})
RPC_TIMEOUT_SECONDS = 10.0
# Links one IssueFreeLooks call may ask for (access refuses more: its MAX_BATCH).
LINKS_PER_CALL = 200


@dataclass(frozen=True)
class IssuedLink:
    notice_id: str
    document_id: str
    token: str | None
    expires_at: datetime | None
    error: str | None
    transient: bool


class NoticeComposer:
    def __init__(
        self,
        *,
        pool: ConnectionPool,
        access: access_pb2_grpc.AccessServiceStub,
        settings: Settings,
        wake_senders: Callable[[], None] = lambda: None,
        clock: Clock = system_clock,
        batch_size: int = 50,
        idle_seconds: float = 0.2,
        signal: Waiter | None = None,
    ) -> None:
        self._pool = pool
        self._signal = signal or Poll()
        self._access = access
        self._base = settings.public_base_url.rstrip("/")
        self._court = settings.court_name
        self._tz = settings.tz
        self._link_wait = timedelta(seconds=settings.notice_link_wait_seconds)
        self._wake_senders = wake_senders
        self._clock = clock
        self._batch = batch_size
        self._idle = idle_seconds

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                handled, composed = self.compose_due()
            except Exception:
                log.exception("NDA composer error, will retry")
                handled = composed = 0
            if composed:
                self._wake_senders()
            # A commit that added notices may have queued account mail, which is pending at
            # once and needs no composing: the senders hear of it through this wake-up too.
            if handled < self._batch and self._signal.wait(stop, self._idle):
                self._wake_senders()
        self._signal.close()

    def compose_due(self) -> tuple[int, int]:
        """One batch: returns (notices handled, notices composed)."""
        now = self._clock.now()
        with self._pool.connection() as conn, conn.transaction():
            notices = store.claim_to_compose(conn, now=now, limit=self._batch)
            if not notices:
                return 0, 0
            entries = {
                key: store.entry_row(conn, *key)
                for key in {(n.case_number, n.entry_number) for n in notices}
            }
            links = store.links_of(conn, [n.notice_id for n in notices])
            wanted = [
                (notice, entries[(notice.case_number, notice.entry_number)], document)
                for notice in notices
                if notice.with_links
                for document in entries[(notice.case_number, notice.entry_number)].documents
                if document["document_id"] not in links[notice.notice_id]
            ]
            issued = self._issue_all(wanted)
            store.keep_links(
                conn,
                [
                    (i.notice_id, i.document_id, i.token, i.expires_at, i.error)
                    for i in issued
                    if not i.transient
                ],
            )
            for result in issued:
                if not result.transient:
                    links[result.notice_id][result.document_id] = (result.token, result.error)
            waiting = {i.notice_id: i.error for i in issued if i.transient}
            mailed = {key: mailed_to(conn, *key) for key in entries}
            not_mailed_to = {
                key: [nda_form.NotMailedTo(p.name, p.detail) for p in paper_service(conn, *key)]
                for key in entries
            }
            composed = 0
            for notice in notices:
                if (
                    notice.notice_id in waiting
                    and now - (notice.created_at or now) < self._link_wait
                ):
                    delay = timedelta(seconds=min(2**notice.link_attempts, 60))
                    store.postpone(
                        conn,
                        notice.notice_id,
                        until=now + delay,
                        error=f"free-look link: {waiting[notice.notice_id]}",
                    )
                    continue
                entry = entries[(notice.case_number, notice.entry_number)]
                self._compose(
                    conn,
                    notice,
                    entry,
                    links[notice.notice_id],
                    mailed[(entry.case_number, entry.entry_number)],
                    not_mailed_to[(entry.case_number, entry.entry_number)],
                    now,
                )
                composed += 1
            return len(notices), composed

    def _issue_all(
        self, wanted: list[tuple[NoticeRow, EntryRow, dict[str, Any]]]
    ) -> list[IssuedLink]:
        return [
            issued
            for start in range(0, len(wanted), LINKS_PER_CALL)
            for issued in self._issue_batch(wanted[start : start + LINKS_PER_CALL])
        ]

    def _issue_batch(
        self, wanted: list[tuple[NoticeRow, EntryRow, dict[str, Any]]]
    ) -> list[IssuedLink]:
        """One IssueFreeLooks call: a result per wanted link, in order."""
        if not wanted:
            return []
        request = access_pb2.IssueFreeLooksRequest(
            items=[
                access_pb2.IssueFreeLookRequest(
                    document_id=document["document_id"],
                    recipient_email=notice.email,
                    case_number=notice.case_number,
                    entry_number=notice.entry_number,
                    trace_id=entry.trace_id or "",
                )
                for notice, entry, document in wanted
            ]
        )
        traces = {entry.trace_id for _, entry, _ in wanted}
        with trace_context(traces.pop() if len(traces) == 1 else None):
            try:
                reply = self._access.IssueFreeLooks(request, timeout=RPC_TIMEOUT_SECONDS)
            except grpc.RpcError as exc:
                # The whole call failed: each link is judged as that one call would be.
                error = f"{exc.code().name}: {exc.details()}"[:300]
                return [
                    refused_link(notice.notice_id, document["document_id"], error, _permanent(exc))
                    for notice, _, document in wanted
                ]
        if len(reply.results) != len(wanted):  # a broken answer: ask again later
            error = f"access answered {len(reply.results)} results for {len(wanted)} links"
            return [
                refused_link(notice.notice_id, document["document_id"], error, False)
                for notice, _, document in wanted
            ]
        return [
            link_outcome(notice.notice_id, document["document_id"], result)
            for (notice, _, document), result in zip(wanted, reply.results, strict=True)
        ]

    def _compose(
        self,
        conn: Connection[Any],
        notice: NoticeRow,
        entry: EntryRow,
        links: dict[str, tuple[str | None, str | None]],
        mailed_to: list[nda_form.MailedTo],
        not_mailed_to: list[nda_form.NotMailedTo],
        now: datetime,
    ) -> None:
        documents_note = None
        if entry.sealed:
            documents_note = nda_form.SEALED_NOTE
        elif restricted(entry.case_type) and not notice.with_links and entry.documents:
            documents_note = nda_form.RESTRICTED_NOTE

        def link_of(document_id: str) -> str | None:
            token, _ = links.get(document_id, (None, None))
            return f"{self._base}/api/v1/free-looks/{token}" if token else None

        docket_text, documents = nda_form.shown_entry(
            entry.docket_text, entry.documents, sealed=entry.sealed
        )
        lines = nda_form.document_lines(
            documents,
            link_of,
            note_without_link=nda_form.NO_LINK_NOTE if notice.with_links else None,
        )
        content = nda_form.NdaContent(
            court_name=self._court,
            case_number=entry.case_number,
            case_title=entry.case_title,
            case_url=f"{self._base}/cases/{quote(entry.case_number, safe='-')}",
            entry_number=entry.entry_number,
            docket_text=docket_text,
            entered_at=entry.entered_at,
            filed_at=entry.filed_at,
            recipient_name=notice.name,
            reason=notice.reason,
            documents=lines,
            documents_note=documents_note,
            mailed_to=mailed_to,
            not_mailed_to=not_mailed_to,
        )
        text = nda_form.render_text(content, self._tz)
        html = nda_form.render_html(content, self._tz) if notice.notice_format == "html" else None
        store.set_composed(
            conn,
            notice.notice_id,
            subject=nda_form.subject(content),
            text=text,
            html=html,
            now=now,
        )


def link_outcome(notice_id: str, document_id: str, result: access_pb2.IssuedFreeLook) -> IssuedLink:
    """One item of an IssueFreeLooks answer: the link, or its refusal judged as the single
    call's error with the same code would be."""
    if result.HasField("link"):
        FREE_LOOKS.labels("issued").inc()
        link = result.link
        expires = link.expires_at.ToDatetime(tzinfo=UTC) if link.HasField("expires_at") else None
        return IssuedLink(notice_id, document_id, link.token, expires, None, False)
    code = result.refusal.code
    status = ERROR_KINDS[code].grpc_status if code in ERROR_KINDS else grpc.StatusCode.UNKNOWN
    error = f"{status.name}: {result.refusal.message}"[:300]
    return refused_link(notice_id, document_id, error, permanent_refusal(status, code))


def refused_link(notice_id: str, document_id: str, error: str, permanent: bool) -> IssuedLink:
    """No link: recorded for good when ``permanent``, else the notice waits and asks again."""
    FREE_LOOKS.labels("refused" if permanent else "retry").inc()
    if permanent:
        log.warning("free look refused", extra={"notice_id": notice_id, "error": error})
    return IssuedLink(notice_id, document_id, None, None, error, not permanent)


def _permanent(error: grpc.RpcError) -> bool:
    return permanent_refusal(error.code(), _reason(error))


def permanent_refusal(code: grpc.StatusCode, reason: str | None) -> bool:
    """Whether a refusal (of a call, or of one link in a batch) will not change by asking
    again."""
    if code in _PERMANENT_CODES:
        return True
    if code == grpc.StatusCode.PERMISSION_DENIED:
        # A policy refusal for this document is final; a refusal of notify itself (a service
        # secret out of step) is a deployment problem, fixed without losing the notice.
        return reason in _PERMANENT_REASONS
    return False


def _reason(error: grpc.RpcError) -> str | None:
    try:
        status = rpc_status.from_call(error)
    except Exception:
        return None
    if status is None:
        return None
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    return None


def mailed_to(
    conn: Connection[Any], case_number: str, entry_number: int
) -> list[nda_form.MailedTo]:
    """Counsel of record and their secondary addresses, grouped by person. Subscribers are
    members of the public who asked for notices: their addresses are not shown to others."""
    grouped: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for key, name, email in store.electronic_recipients(conn, case_number, entry_number):
        names.setdefault(key, name)
        grouped[key].append(email)
    return [nda_form.MailedTo(name=names[key], addresses=tuple(grouped[key])) for key in grouped]
