"""Who may open a document, and at what cost — decided from access's own view of the case.

The rule (docs/architecture.md): sealed documents only for court staff; immigration and
Social Security cases (Fed. R. Civ. P. 5.2(c); which types are restricted is
services/common/court.py) only for counsel of record in the case and court staff; everything
else for any logged-in PACER user, charged $0.10 a page up to $3.00. Court staff, and counsel
of record in their own case, are not charged. A document no docket entry names yet (a filing
under review, or a rejected one) is court staff's alone. A case whose type access does not know
is treated as restricted: the policy fails closed.

A free look (the link in a Notice of Docket Activity) stands for a case participant: it passes
the restricted-case rule for its recipient, never sealing, and is free.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.access.fees import page_fee_cents
from services.common.court import restricted
from services.common.principal import Principal

# Grounds for an allowed decision (audit and metrics); refusals use the API's error codes.
COURT_STAFF = "court_staff"
COUNSEL_OF_RECORD = "counsel_of_record"
PACER_USER = "pacer_user"
FREE_LOOK = "free_look"


@dataclass(frozen=True)
class DocumentFacts:
    """One stored document as access's case view sees it, for one caller."""

    document_id: str
    filename: str
    pages: int
    size_bytes: int
    sha256: str
    stored_case_number: str  # what filing said when storing it; never used to decide
    case_number: str | None  # from the docket entry; None while not docketed
    entry_number: int | None
    sealed: bool
    case_type: str  # "unspecified" until a docket event names it
    caller_is_counsel: bool

    @property
    def docketed(self) -> bool:
        return self.case_number is not None

    @property
    def restricted(self) -> bool:
        return restricted(self.case_type)

    @property
    def known_case_number(self) -> str:
        return self.case_number or self.stored_case_number


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Refused: the stable error code. Allowed: the ground (court_staff, counsel_of_record, …).
    reason: str
    fee_cents: int = 0


def decide(principal: Principal | None, facts: DocumentFacts | None) -> Decision:
    """May ``principal`` (None: anonymous) open the document, and what would it cost."""
    if principal is None:
        return Decision(False, "unauthenticated")
    if facts is None:
        return Decision(False, "not_found")
    if principal.is_court_staff:
        return Decision(True, COURT_STAFF)
    if not facts.docketed:
        return Decision(False, "not_found")
    if facts.sealed:
        return Decision(False, "sealed")
    if facts.caller_is_counsel:
        return Decision(True, COUNSEL_OF_RECORD)
    if facts.restricted:
        return Decision(False, "restricted_case")
    return Decision(True, PACER_USER, page_fee_cents(facts.pages))


def decide_free_look(facts: DocumentFacts | None) -> Decision:
    """A valid (unused, unexpired) free look: the case-participant rule, but never sealing."""
    if facts is None:
        return Decision(False, "not_found")
    if not facts.docketed:
        # Notify issues the link as soon as docket records the entry; access's view follows
        # within moments. Until it does, sealing cannot be ruled out: come back shortly.
        return Decision(False, "unavailable")
    if facts.sealed:
        return Decision(False, "sealed")
    return Decision(True, FREE_LOOK)
