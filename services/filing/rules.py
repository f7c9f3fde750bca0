"""Who may file what, where, and whether a filing's form is complete.

The court-wide rules (who is an e-filer, case types, case numbers, field limits) are in
services/common/court.py; this module applies them to one filing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.common import court
from services.common.errors import CourtError
from services.common.principal import Principal
from services.common.text import clean
from services.filing.models import FILING_TYPES, FilingRequest

_ALIEN_NUMBER = re.compile(r"^A?\d{8,9}$")


@dataclass(frozen=True)
class CaseFacts:
    """What filing knows of an existing case, from docket's events."""

    case_type: str
    counsel_account_ids: frozenset[str]


def _invalid(field: str, message: str) -> CourtError:
    return CourtError("validation_failed", message, details={"field": field})


def too_many_attachments(max_attachments: int) -> CourtError:
    return _invalid("attachments", f"at most {max_attachments} attachments")


def document_too_large(filename: str, max_file_bytes: int) -> str:
    return f"{filename} is over {max_file_bytes // 2**20} MB"


def filing_too_large(max_total_bytes: int) -> str:
    return f"the filing is over {max_total_bytes // 2**20} MB"


def check_form(request: FilingRequest, *, max_attachments: int) -> None:
    """The filing's own completeness, independent of who files it."""
    if request.filing_type not in FILING_TYPES:
        raise _invalid("type", "type must be one of: " + ", ".join(FILING_TYPES))
    leads = [u for u in request.uploads if u.role == "lead"]
    if len(leads) != 1:
        raise _invalid("lead", "a filing has exactly one lead document")
    attachments = len(request.uploads) - 1
    if attachments > max_attachments:
        raise too_many_attachments(max_attachments)
    _check_text(request)
    if request.filing_type == "petition_for_review":
        _check_petition(request)
    else:
        _check_filing_in_a_case(request)
    if request.filing_type == "notice_of_appearance":
        # As CM/ECF asks it: the party the attorney appears for (the first party named).
        if not request.parties:
            raise _invalid("parties", "name the party you appear for")
    elif request.receive_notices is not None:
        raise _invalid(
            "receive_notices", "only a notice of appearance says whether to receive notices"
        )
    if len(request.parties) > court.MAX_PARTIES:
        raise _invalid("parties", f"at most {court.MAX_PARTIES} parties")


def _check_petition(request: FilingRequest) -> None:
    """A petition for review opens a case: it names the case's type, title and parties."""
    if request.case_number:
        raise _invalid(
            "case_number", "a petition for review opens a new case: leave case_number empty"
        )
    if request.case_type not in court.PETITION_CASE_TYPES:
        raise _invalid("case_type", "a petition for review names case_type immigration or agency")
    if not request.title.strip():
        raise _invalid("title", "title is required")
    if not request.parties:
        raise _invalid("parties", "name the parties (at least the petitioner)")
    if not any(p.role == "petitioner" for p in request.parties):
        raise _invalid("parties", "name the petitioner among the parties")
    if request.alien_number and (
        request.case_type != "immigration" or not _ALIEN_NUMBER.match(request.alien_number)
    ):
        raise _invalid(
            "alien_number",
            "an A-number (A followed by 8 or 9 digits) belongs to an immigration petition",
        )


def _check_filing_in_a_case(request: FilingRequest) -> None:
    """Every other filing goes into a case named by its number, and names no origin."""
    if request.origin_agency or request.alien_number:
        raise _invalid("origin_agency", "only a petition for review names its origin")
    if not court.is_case_number(request.case_number):
        raise _invalid("case_number", "give the case number (like 26-1234) to file in a case")


def _check_text(request: FilingRequest) -> None:
    """Every typed field of every filing type: what the check passes, submit can store."""
    one_line = [
        *((u.filename, "filename", court.MAX_FILENAME, True) for u in request.uploads),
        (request.title, "title", court.MAX_TITLE, False),
        (request.origin_agency, "origin_agency", court.MAX_ORIGIN_AGENCY, False),
        *((p.name, "parties", court.MAX_PARTY_NAME, True) for p in request.parties),
    ]
    for value, field, max_length, required in one_line:
        clean(value, field=field, max_length=max_length, required=required)
    clean(
        request.description,
        field="description",
        max_length=court.MAX_DESCRIPTION,
        required=False,
        multiline=True,
    )


def check_paper_filer(principal: Principal, request: FilingRequest, case: CaseFacts | None) -> None:
    """Pro se parties file on paper in immigration cases: refused before any other check, so
    they are told where to file rather than how to fix a form they may not use."""
    case_type = request.case_type if case is None else case.case_type
    court.check_pro_se_case_type(role=principal.role, case_type=case_type)


def check_filer(principal: Principal, request: FilingRequest, case: CaseFacts | None) -> None:
    """May this person file this, here? Raises the refusal's stable code. The paper rule
    (``check_paper_filer``) has already been applied."""
    if principal.is_court_staff:
        if request.filing_type != "petition_for_review" and case is None:
            raise CourtError("not_found", f"no case {request.case_number}")
        return
    court.check_efiler(
        role=principal.role,
        efiler_approved=principal.efiler_approved,
        mfa_enrolled=principal.mfa_enrolled,
    )
    if request.filing_type != "petition_for_review" and case is None:
        raise CourtError("not_found", f"no case {request.case_number}")
    if (
        case is not None
        and request.filing_type != "notice_of_appearance"
        and principal.account_id not in case.counsel_account_ids
    ):
        raise CourtError(
            "not_counsel_of_record",
            "only counsel of record may file in this case; file a notice of appearance first",
        )


# What the clerk dockets from paper: documents in an existing case. A paper petition opens a
# case through the clerk's intake, and an appearance is an attorney's, made electronically.
PAPER_FILING_TYPES = ("motion", "brief", "letter", "other")


def check_paper_filing(
    principal: Principal, request: FilingRequest, case: CaseFacts | None, *, today: date
) -> None:
    """The clerk dockets a paper filing on a party's behalf: clerk only, an existing case, a
    document type, the party named, a received day that is not in the future (nor before the
    court's dockets)."""
    paper = request.paper
    assert paper is not None
    if not principal.is_court_staff:
        raise CourtError("forbidden", "only the Clerk's Office dockets filings received on paper")
    if request.filing_type not in PAPER_FILING_TYPES:
        raise _invalid("type", "a paper filing is one of: " + ", ".join(PAPER_FILING_TYPES))
    clean(paper.filer_party, field="filer_party", max_length=court.MAX_PARTY_NAME, required=True)
    if paper.received_on > today:
        raise _invalid("received_on", "the day the paper was received cannot be in the future")
    if not court.is_docket_year(paper.received_on.year):
        raise _invalid("received_on", f"{paper.received_on.isoformat()} is not a plausible day")
    if case is None:
        raise CourtError("not_found", f"no case {request.case_number}")
