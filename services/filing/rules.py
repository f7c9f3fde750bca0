"""Who may file what, where (DESIGN.md §3), and whether a filing's form is complete."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from services.common.errors import CourtError
from services.common.principal import Principal
from services.filing.models import FILING_TYPES, PETITION_CASE_TYPES, FilingRequest

_CASE_NUMBER = re.compile(r"^\d{2}-\d{1,6}$")
_ALIEN_NUMBER = re.compile(r"^A?\d{8,9}$")
RESTRICTED_FOR_PRO_SE = ("immigration",)


@dataclass(frozen=True)
class CaseFacts:
    """What filing knows of an existing case, from docket's events."""

    case_type: str
    counsel_account_ids: frozenset[str]


def _invalid(field: str, message: str) -> CourtError:
    return CourtError("validation_failed", message, details={"field": field})


def clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = unicodedata.normalize("NFC", value.strip())
    if required and not value:
        raise _invalid(field, f"{field} is required")
    if len(value) > max_length:
        raise _invalid(field, f"{field} must be at most {max_length} characters")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise _invalid(field, f"{field} must not contain control characters")
    return value


def check_form(request: FilingRequest, *, max_attachments: int) -> None:
    """The filing's own completeness, independent of who files it."""
    if request.filing_type not in FILING_TYPES:
        raise _invalid("type", "type must be one of: " + ", ".join(FILING_TYPES))
    leads = [u for u in request.uploads if u.role == "lead"]
    if len(leads) != 1:
        raise _invalid("lead", "a filing has exactly one lead document")
    attachments = len(request.uploads) - 1
    if attachments > max_attachments:
        raise _invalid("attachments", f"at most {max_attachments} attachments")
    for upload in request.uploads:
        clean_text(upload.filename, field="filename", max_length=255, required=True)
    if request.filing_type == "petition_for_review":
        if request.case_number:
            raise _invalid(
                "case_number", "a petition for review opens a new case: leave case_number empty"
            )
        if request.case_type not in PETITION_CASE_TYPES:
            raise _invalid(
                "case_type", "a petition for review names case_type immigration or agency"
            )
        clean_text(request.title, field="title", max_length=300, required=True)
        if not request.parties:
            raise _invalid("parties", "name the parties (at least the petitioner)")
        if not any(p.role == "petitioner" for p in request.parties):
            raise _invalid("parties", "name the petitioner among the parties")
        clean_text(request.origin_agency, field="origin_agency", max_length=200)
        if request.alien_number and (
            request.case_type != "immigration" or not _ALIEN_NUMBER.match(request.alien_number)
        ):
            raise _invalid(
                "alien_number",
                "an A-number (A followed by 8 or 9 digits) belongs to an immigration petition",
            )
    elif request.origin_agency or request.alien_number:
        raise _invalid("origin_agency", "only a petition for review names its origin")
    elif not _CASE_NUMBER.match(request.case_number):
        raise _invalid("case_number", "give the case number (like 26-1234) to file in a case")
    if len(request.parties) > 50:
        raise _invalid("parties", "at most 50 parties")
    for party in request.parties:
        clean_text(party.name, field="parties", max_length=200, required=True)
    clean_text(request.description, field="description", max_length=1000)


def check_filer(principal: Principal, request: FilingRequest, case: CaseFacts | None) -> None:
    """May this person file this, here? Raises the refusal's stable code."""
    if principal.is_court_staff:
        if request.filing_type != "petition_for_review" and case is None:
            raise CourtError("not_found", f"no case {request.case_number}")
        return
    if principal.role not in ("attorney", "pro_se"):
        raise CourtError("not_efiler", "only registered e-filers may file")
    if not principal.efiler_approved:
        raise CourtError("not_efiler", "only registered e-filers may file; apply to e-file first")
    if not principal.mfa_enrolled:
        raise CourtError("mfa_required", "enrol a second factor (TOTP) before filing")
    if request.filing_type == "petition_for_review":
        case_type = request.case_type
    else:
        if case is None:
            raise CourtError("not_found", f"no case {request.case_number}")
        case_type = case.case_type
    if principal.role == "pro_se" and case_type in RESTRICTED_FOR_PRO_SE:
        raise CourtError(
            "paper_filing_required",
            "pro se parties file on paper in immigration cases: mail or bring the filing to the "
            "Clerk's Office",
        )
    if (
        case is not None
        and request.filing_type != "notice_of_appearance"
        and principal.account_id not in case.counsel_account_ids
    ):
        raise CourtError(
            "not_counsel_of_record",
            "only counsel of record may file in this case; file a notice of appearance first",
        )
