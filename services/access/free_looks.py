"""Free looks: the one-time link in a Notice of Docket Activity.

Notify asks for one link per (document, recipient address), a compose batch's links in one
call (``issue_many``: one document lookup, one transaction; each item gets its link or its own
refusal). The token is 256 random bits and only its SHA-256 is stored. The link works for 15
days: ``confirm`` shows what it opens without using it (a mail scanner that follows links must
not burn it), ``redeem`` serves the document once, free, and uses up every link that address
holds for the document. A free look passes the
restricted-case rule (its recipient takes part in the case) but never sealing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from court.v1 import events_pb2
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.access import audit, metrics, store
from services.access.documents import (
    ServedDocument,
    canonical_id,
    facts_for,
    integrity_error,
    refusal,
    report_corruption,
    watched,
)
from services.access.policy import Decision, DocumentFacts, decide_free_look
from services.access.vault import ContentCorrupted, Vault
from services.common.clock import Clock, system_clock
from services.common.errors import CourtError
from services.common.logs import current_trace_id, trace_context
from services.common.outbox import publish

log = logging.getLogger(__name__)

TTL = timedelta(days=15)
# Links one call may ask for: a compose batch (50 notices) with a few documents each.
MAX_BATCH = 200
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def look_state(look: store.FreeLookRow, now: datetime) -> str | None:
    """Why the link no longer works (free_look_used / free_look_expired), or None."""
    if look.redeemed_at is not None:
        return "free_look_used"
    if now >= look.expires_at:
        return "free_look_expired"
    return None


@dataclass(frozen=True)
class LinkRequest:
    document_id: str
    recipient_email: str
    case_number: str
    entry_number: int
    trace_id: str = ""  # the entry's, for this link's log lines (a call may mix entries)


@dataclass(frozen=True)
class Issued:
    token: str
    expires_at: datetime


def _logged_under(trace_id: str) -> AbstractContextManager[str]:
    """A link's log lines go under its entry's trace, else the call's."""
    return trace_context(trace_id or current_trace_id())


def link_refusal(request: LinkRequest, facts: DocumentFacts | None) -> CourtError | None:
    """Why this link is not issued, or None. A document access has not yet seen docketed gets
    its link (sealing is checked again when it is opened); one access knows is sealed does not:
    the link could never open it."""
    if not _EMAIL.match(request.recipient_email.strip()):
        return CourtError(
            "validation_failed",
            "recipient_email: an e-mail address is required",
            details={"field": "recipient_email"},
        )
    if facts is None:
        return CourtError("not_found", "no such document")
    if facts.docketed and facts.sealed:
        return refusal(Decision(False, "sealed"))
    return None


@dataclass(frozen=True)
class Confirmation:
    look: store.FreeLookRow
    facts: DocumentFacts

    @property
    def case_number(self) -> str:
        return self.facts.case_number or self.look.case_number

    @property
    def entry_number(self) -> int:
        return self.facts.entry_number or self.look.entry_number


class FreeLooks:
    def __init__(
        self,
        pool: ConnectionPool,
        vault: Vault,
        *,
        clock: Clock = system_clock,
        tz: ZoneInfo,
    ) -> None:
        self._pool = pool
        self._vault = vault
        self._clock = clock
        self._tz = tz

    def issue(self, request: LinkRequest) -> Issued:
        """One link, or its refusal raised."""
        (outcome,) = self.issue_many([request])
        if isinstance(outcome, CourtError):
            raise outcome
        return outcome

    def issue_many(self, requests: Sequence[LinkRequest]) -> list[Issued | CourtError]:
        """A link or a refusal per request, in order: one lookup of the documents, and the
        links stored in one transaction."""
        if len(requests) > MAX_BATCH:
            raise CourtError(
                "validation_failed",
                f"items: at most {MAX_BATCH} links a call, not {len(requests)}",
                details={"field": "items"},
            )
        keys = [canonical_id(r.document_id) for r in requests]
        facts = facts_for(self._pool, [k for k in keys if k], account_id=None)
        now = self._clock.now()
        expires_at = now + TTL
        outcomes: list[Issued | CourtError] = []
        new: list[store.NewFreeLook] = []
        traces: list[str] = []  # beside new, each link's trace
        for request, key in zip(requests, keys, strict=True):
            document = facts.get(key) if key else None
            refused = link_refusal(request, document)
            if refused is not None:
                refused_extra = {"document_id": key or "", "code": refused.code}
                with _logged_under(request.trace_id):
                    log.info("free look refused", extra=refused_extra)
                outcomes.append(refused)
                continue
            assert document is not None  # link_refusal refuses a document access does not hold
            token = new_token()
            new.append(
                store.NewFreeLook(
                    token_sha256=token_hash(token),
                    document_id=document.document_id,
                    recipient_email=request.recipient_email.strip(),
                    case_number=request.case_number.strip()[:64],
                    entry_number=max(request.entry_number, 0),
                    issued_at=now,
                    expires_at=expires_at,
                )
            )
            traces.append(request.trace_id)
            outcomes.append(Issued(token=token, expires_at=expires_at))
        if new:
            with self._pool.connection() as conn, conn.transaction():
                ids = store.insert_free_looks(conn, new)
            metrics.FREE_LOOKS_ISSUED.inc(len(new))
            for free_look_id, look, trace_id in zip(ids, new, traces, strict=True):
                with _logged_under(trace_id):
                    log.info(
                        "free look issued",
                        extra={"free_look_id": free_look_id, "document_id": look.document_id},
                    )
        return outcomes

    def _valid_look(self, token: str, *, audit_refusals: bool) -> Confirmation:
        """The link's look and document, when it may still be used; refuse otherwise."""
        now = self._clock.now()
        look = None
        if _TOKEN.match(token):
            with self._pool.connection() as conn:
                look = store.free_look_by_token_hash(conn, token_hash(token))
        facts = (
            facts_for(self._pool, [look.document_id], account_id=None).get(look.document_id)
            if look
            else None
        )
        state = look_state(look, now) if look else "not_found"
        decision = Decision(False, state) if state else decide_free_look(facts)
        if not decision.allowed or look is None or facts is None:
            if audit_refusals:
                audit.record(
                    self._pool,
                    [
                        audit.AuditEntry(
                            action=audit.FREE_LOOK,
                            document_id=look.document_id if look else "",
                            outcome=audit.DENIED,
                            reason=decision.reason,
                            free_look_id=look.free_look_id if look else None,
                        )
                    ],
                    now=now,
                )
            raise refusal(decision)
        return Confirmation(look=look, facts=facts)

    def confirm(self, token: str) -> Confirmation:
        """What the link opens; does not use it up."""
        return self._valid_look(token, audit_refusals=False)

    def redeem(self, token: str) -> ServedDocument:
        """Serve the document once, free; the link stops working."""
        valid = self._valid_look(token, audit_refusals=True)
        look, facts = valid.look, valid.facts

        def entry(outcome: str, reason: str) -> audit.AuditEntry:
            return audit.AuditEntry(
                action=audit.FREE_LOOK,
                document_id=facts.document_id,
                outcome=outcome,
                reason=reason,
                free_look_id=look.free_look_id,
            )

        try:
            chunks = self._vault.verified_chunks(facts.sha256)
        except ContentCorrupted as exc:
            report_corruption(
                self._pool, entry(audit.FAILED, "integrity"), facts, exc, self._clock.now()
            )
            raise integrity_error() from None

        now = self._clock.now()
        served = entry(audit.ALLOWED, "free_look")
        with self._pool.connection() as conn, conn.transaction():
            claimed = store.redeem_free_look(conn, look, now=now)
            if claimed:
                self._record_redemption(conn, valid, served, now)
        if not claimed:  # a concurrent request used the link first
            lost = entry(audit.DENIED, "free_look_used")
            audit.record(self._pool, [lost], now=now)
            raise refusal(Decision(False, lost.reason))
        audit.count([served])
        metrics.FREE_LOOKS_REDEEMED.inc()
        return ServedDocument(
            facts=facts,
            fee_cents=0,
            chunks=watched(
                chunks,
                via="free_look",
                on_corrupted=lambda exc: report_corruption(
                    self._pool, entry(audit.FAILED, "integrity"), facts, exc, self._clock.now()
                ),
            ),
        )

    @staticmethod
    def _record_redemption(
        conn: Connection[Any], valid: Confirmation, served: audit.AuditEntry, now: datetime
    ) -> None:
        """The events and the audit row of a redemption, in its transaction."""
        look, facts = valid.look, valid.facts
        subject = valid.case_number
        shown = events_pb2.DocumentServed(
            document_id=facts.document_id,
            case_number=subject,
            pages=facts.pages,
            fee_cents=0,
            free_look=True,
        )
        shown.served_at.FromDatetime(now)
        publish(
            conn,
            event_type="access.document_served",
            source="access",
            subject=subject,
            payload=shown,
        )
        redeemed = events_pb2.FreeLookRedeemed(
            free_look_id=look.free_look_id,
            document_id=facts.document_id,
            case_number=subject,
            recipient_email=look.recipient_email,
        )
        redeemed.redeemed_at.FromDatetime(now)
        publish(
            conn,
            event_type="access.free_look_redeemed",
            source="access",
            subject=subject,
            payload=redeemed,
        )
        audit.insert(conn, [served], now=now)
