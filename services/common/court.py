"""The court's rules that span services, each stated once (docs/architecture.md lists them).

Every service and the edge import these; a rule that lives here is never restated elsewhere.
"""

from __future__ import annotations

import re

from services.common.errors import CourtError

# -- who is who ---------------------------------------------------------------------------------

COURT_STAFF_ROLES = frozenset({"clerk", "admin"})
EFILER_ROLES = frozenset({"attorney", "pro_se"})


def is_court_staff(role: str) -> bool:
    return role in COURT_STAFF_ROLES


# -- the court's dates -------------------------------------------------------------------------

# The Ninth Circuit's dockets reach back to 1891; nothing is filed past 2200. A date outside
# is a typing slip (0001-01-01, 20266-…), whatever the form it came in.
FIRST_DOCKET_YEAR, LAST_DOCKET_YEAR = 1891, 2200


def is_docket_year(year: int) -> bool:
    return FIRST_DOCKET_YEAR <= year <= LAST_DOCKET_YEAR


# -- case numbers -------------------------------------------------------------------------------

# ACMS numbers cases `YY-N` per court-local year; immigration petitions received before ACMS
# keep the legacy CM/ECF form `YY-7NNNN`. Both have the same shape, so one pattern checks both.
_CASE_NUMBER = re.compile(r"^\d{2}-\d{1,6}$")


def is_case_number(value: str) -> bool:
    return bool(_CASE_NUMBER.match(value))


def check_case_number(value: str, *, field: str = "case_number") -> str:
    """A well-formed case number (trimmed), or ``validation_failed`` before any lookup."""
    value = value.strip()
    if not is_case_number(value):
        raise CourtError(
            "validation_failed",
            f"{value[:40]!r} is not a case number like 26-1234",
            details={"field": field},
        )
    return value


# -- case types ---------------------------------------------------------------------------------

# Fed. R. Civ. P. 5.2(c): in immigration and Social Security cases documents are online only for
# counsel of record and court staff. The rule names the open types, so a case type this code
# does not know (or "unspecified") is restricted: every service fails closed.
OPEN_CASE_TYPES = frozenset({"agency", "civil", "criminal"})
# A petition for review opens a case of one of these types.
PETITION_CASE_TYPES = ("immigration", "agency")
# Pro se parties file on paper in these.
PAPER_ONLY_FOR_PRO_SE = frozenset({"immigration"})


def restricted(case_type: str) -> bool:
    """Are this case's documents for counsel of record and court staff only?"""
    return case_type not in OPEN_CASE_TYPES


# -- who may file -------------------------------------------------------------------------------


def check_efiler(*, role: str, efiler_approved: bool, mfa_enrolled: bool) -> None:
    """May this account file at all? Court staff always; otherwise an approved e-filer with
    a second factor. Raises the refusal's stable code."""
    if is_court_staff(role):
        return
    if role not in EFILER_ROLES:
        raise CourtError("not_efiler", "only registered e-filers may file")
    if not efiler_approved:
        raise CourtError("not_efiler", "only registered e-filers may file; apply to e-file first")
    if not mfa_enrolled:
        raise CourtError("mfa_required", "enrol a second factor (TOTP) before filing")


def check_pro_se_case_type(*, role: str, case_type: str) -> None:
    if role == "pro_se" and case_type in PAPER_ONLY_FOR_PRO_SE:
        raise CourtError(
            "paper_filing_required",
            "pro se parties file on paper in immigration cases: mail or bring the filing to the "
            "Clerk's Office",
        )


# -- field limits (the edge's request models and filing's checks) -------------------------------

MAX_CASE_NUMBER = 20
MAX_TITLE = 300
MAX_PARTIES = 50
MAX_PARTY_NAME = 200
MAX_DESCRIPTION = 1000
MAX_ORIGIN_AGENCY = 200
MAX_ALIEN_NUMBER = 12
MAX_FILENAME = 255
MAX_REVIEW_REASON = 1000
# Accounts (the edge's account and profile forms, auth's checks).
MAX_PERSON_NAME = 200
MAX_ADDRESS = 500
MAX_FIRM = 200
MAX_BAR_NUMBER = 32
