"""The access policy, PACER fee arithmetic, quarters, free-look expiry and vault intake rules."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.access import free_looks, policy
from services.access.fees import page_fee_cents, parse_quarter, quarter_of, waived
from services.access.policy import Decision, DocumentFacts, decide, decide_free_look
from services.access.store import FreeLookRow
from services.access.vault import NewDocument, validate
from services.common.clock import FixedClock
from services.common.errors import CourtError
from services.common.principal import Principal
from services.edge.routes.documents import content_disposition

COURT_TZ = ZoneInfo("America/Los_Angeles")  # the default court zone (Settings)


@pytest.mark.parametrize(
    ("pages", "cents"), [(0, 0), (1, 10), (29, 290), (30, 300), (31, 300), (500, 300)]
)
def test_ten_cents_a_page_capped_at_three_dollars(pages: int, cents: int) -> None:
    assert page_fee_cents(pages) == cents


@pytest.mark.parametrize(
    ("instant", "quarter"),
    [
        ("2026-04-01T06:59:59+00:00", "2026-Q1"),  # 23:59:59 PDT on March 31
        ("2026-04-01T07:00:00+00:00", "2026-Q2"),
        ("2026-01-01T07:59:59+00:00", "2025-Q4"),  # 23:59:59 PST on New Year's Eve
        ("2026-01-01T08:00:00+00:00", "2026-Q1"),
        ("2026-09-30T12:00:00+00:00", "2026-Q3"),
        ("2026-10-01T07:00:00+00:00", "2026-Q4"),
    ],
)
def test_quarters_are_court_local_calendar_quarters(instant: str, quarter: str) -> None:
    assert quarter_of(datetime.fromisoformat(instant), COURT_TZ) == quarter


def test_a_requested_quarter_is_checked_and_empty_means_this_one() -> None:
    now = datetime(2026, 5, 5, tzinfo=UTC)
    assert parse_quarter("", now=now, tz=COURT_TZ) == "2026-Q2"
    assert parse_quarter(" 2025-q4 ", now=now, tz=COURT_TZ) == "2025-Q4"
    for bad in ("2026-Q5", "2026Q1", "Q1-2026", "0001-Q1", "2026-Q1; DROP"):
        with pytest.raises(CourtError) as refused:
            parse_quarter(bad, now=now, tz=COURT_TZ)
        assert refused.value.code == "validation_failed"


def test_a_quarter_of_thirty_dollars_or_less_is_waived() -> None:
    assert waived(0) and waived(2999) and waived(3000)
    assert not waived(3001)


# -- the policy ----------------------------------------------------------------------------

ROLES = ("anonymous", "public", "attorney", "counsel", "clerk", "admin")
CASE_TYPES = ("immigration", "social_security", "agency", "civil", "criminal")
PAGES = 7
FEE = 70

OK = (True, "", FEE)  # allowed, charged
FREE = (True, "", 0)  # allowed, not charged
UNAUTH = (False, "unauthenticated", 0)
RESTRICTED = (False, "restricted_case", 0)
SEALED = (False, "sealed", 0)

#                      anonymous public      attorney    counsel  clerk admin
RESTRICTED_OPEN = (UNAUTH, RESTRICTED, RESTRICTED, FREE, FREE, FREE)
PUBLIC_OPEN = (UNAUTH, OK, OK, FREE, FREE, FREE)
ANY_SEALED = (UNAUTH, SEALED, SEALED, SEALED, FREE, FREE)
MATRIX = {
    ("immigration", False): RESTRICTED_OPEN,
    ("social_security", False): RESTRICTED_OPEN,
    ("agency", False): PUBLIC_OPEN,
    ("civil", False): PUBLIC_OPEN,
    ("criminal", False): PUBLIC_OPEN,
    **{(case_type, True): ANY_SEALED for case_type in CASE_TYPES},
}


def principal(role: str) -> Principal | None:
    if role == "anonymous":
        return None
    return Principal(
        account_id=f"id-{role}",
        username=role,
        name=role,
        role="attorney" if role == "counsel" else role,
        efiler_approved=False,
        mfa_enrolled=False,
        session_id="s",
    )


def facts(
    case_type: str = "civil", *, sealed: bool = False, counsel: bool = False
) -> DocumentFacts:
    return DocumentFacts(
        document_id="d",
        filename="a.pdf",
        pages=PAGES,
        size_bytes=100,
        sha256="0" * 64,
        stored_case_number="",
        case_number="99-1",
        entry_number=1,
        sealed=sealed,
        case_type=case_type,
        caller_is_counsel=counsel,
    )


@pytest.mark.parametrize(("case_type", "sealed"), sorted(MATRIX))
def test_the_policy_matrix(case_type: str, sealed: bool) -> None:
    for role, (allowed, reason, fee) in zip(ROLES, MATRIX[(case_type, sealed)], strict=True):
        got = decide(principal(role), facts(case_type, sealed=sealed, counsel=role == "counsel"))
        assert (got.allowed, "" if got.allowed else got.reason, got.fee_cents) == (
            allowed,
            reason,
            fee,
        ), (role, case_type, sealed)


def test_allowed_decisions_say_on_what_ground() -> None:
    assert decide(principal("clerk"), facts()).reason == policy.COURT_STAFF
    assert decide(principal("counsel"), facts(counsel=True)).reason == policy.COUNSEL_OF_RECORD
    assert decide(principal("public"), facts()).reason == policy.PACER_USER


def test_undocketed_unknown_and_untyped_documents() -> None:
    pending = replace(facts(), case_number=None, entry_number=None)
    assert decide(principal("clerk"), pending).allowed
    assert decide(principal("admin"), pending).allowed
    assert decide(principal("public"), pending) == Decision(False, "not_found")
    assert decide(principal("public"), None) == Decision(False, "not_found")
    assert decide(None, None) == Decision(False, "unauthenticated")
    # A case whose type access has not learnt yet fails closed.
    assert decide(principal("public"), facts("unspecified")).reason == "restricted_case"


def test_a_free_look_passes_the_restricted_case_rule_but_never_sealing() -> None:
    assert decide_free_look(facts("immigration")).allowed
    assert decide_free_look(facts("immigration")).fee_cents == 0
    assert decide_free_look(facts("civil", sealed=True)) == Decision(False, "sealed")
    assert decide_free_look(None) == Decision(False, "not_found")
    pending = replace(facts(), case_number=None, entry_number=None)
    assert decide_free_look(pending) == Decision(False, "unavailable")


def test_a_free_look_expires_fifteen_days_after_issue_and_works_once() -> None:
    clock = FixedClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    issued = clock.now()
    look = FreeLookRow(
        free_look_id="f",
        document_id="d",
        recipient_email="a@example.org",
        case_number="99-1",
        entry_number=1,
        issued_at=issued,
        expires_at=issued + free_looks.TTL,
        redeemed_at=None,
    )
    clock.advance(timedelta(days=15) - timedelta(seconds=1))
    assert free_looks.look_state(look, clock.now()) is None
    clock.advance(timedelta(seconds=1))
    assert free_looks.look_state(look, clock.now()) == "free_look_expired"
    used = replace(look, redeemed_at=issued + timedelta(hours=1))
    assert free_looks.look_state(used, issued + timedelta(hours=2)) == "free_look_used"


def test_tokens_are_long_random_and_only_hashes_are_kept() -> None:
    tokens = {free_looks.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)
    token = tokens.pop()
    assert free_looks.token_hash(token) == hashlib.sha256(token.encode()).digest()


# -- the vault's intake --------------------------------------------------------------------


def test_store_requests_are_checked_against_their_sha256() -> None:
    content = b"%PDF-1.7 test"
    digest = hashlib.sha256(content).hexdigest()
    good = validate(NewDocument("C:\\briefs\\brief.pdf", content, digest.upper(), 3))
    assert (good.filename, good.sha256) == ("brief.pdf", digest)
    for bad, field, code in (
        (NewDocument("a.pdf", content, "0" * 64, 3), "sha256", "validation_failed"),
        (NewDocument("a.pdf", content, "xyz", 3), "sha256", "validation_failed"),
        (
            NewDocument("a.pdf", b"", hashlib.sha256(b"").hexdigest(), 3),
            "content",
            "validation_failed",
        ),
        (NewDocument("a.pdf", content, digest, 0), "pages", "validation_failed"),
        (NewDocument("", content, digest, 1), "filename", "validation_failed"),
        (NewDocument("a" * 256 + ".pdf", content, digest, 1), "filename", "validation_failed"),
        # The court's one text rule (services/common/text.py), as filing applies it.
        (NewDocument("a\nb.pdf", content, digest, 1), "filename", "invalid_text"),
        (NewDocument("brief\u202efdp.exe", content, digest, 1), "filename", "invalid_text"),
    ):
        with pytest.raises(CourtError) as refused:
            validate(bad)
        assert refused.value.code == code
        assert refused.value.details["field"] == field


def test_download_names_survive_quotes_and_non_ascii() -> None:
    header = content_disposition('Brief "final" — Ñ.pdf')
    assert header.startswith('inline; filename="Brief _final_ _ _.pdf"; ')
    assert header.endswith("filename*=UTF-8''Brief%20%22final%22%20%E2%80%94%20%C3%91.pdf")
