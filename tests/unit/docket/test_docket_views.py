"""What each reader sees: restricted fields, sealed entries, and access answers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import grpc
from court.v1 import access_pb2, common_pb2

from services.docket.access import RemoteAccessChecker
from services.docket.models import CaseRecord, CounselRecord, EntryRecord, Viewer
from services.docket.sheet import _askable, entry_documents
from services.docket.wire import case_pb, court_time_pb, entry_pb

COURT_TZ = ZoneInfo("America/Los_Angeles")  # the default court zone (Settings)

WHEN = datetime(2026, 3, 8, 7, 59, 59, tzinfo=UTC)  # 2026-03-07 23:59:59 PST
CASE = CaseRecord(
    case_id=7,
    case_number="26-7",
    title="Lopez v. Garland",
    case_type="immigration",
    status="open",
    opened_at=WHEN,
    parties=[{"name": "Maria Lopez", "role": "petitioner"}],
    origin_agency="Board of Immigration Appeals",
    alien_number="A012-345-678",
    last_entry_number=2,
)
COUNSEL = [CounselRecord(7, "acc-1", "Ada Lovelace", "L&B", "Maria Lopez", True)]
PUBLIC = Viewer(account_id="acc-public", is_court_staff=False)
CLERK = Viewer(account_id="acc-clerk", is_court_staff=True)
ATTORNEY = Viewer(account_id="acc-1", is_court_staff=False)


def _entry(*, sealed: bool) -> EntryRecord:
    return EntryRecord(
        case_id=7,
        entry_number=1,
        filing_type="motion",
        filing_id="f",
        filed_at=WHEN,
        entered_at=WHEN,
        text="MOTION filed by Ada Lovelace for more time.",
        filer_name="Ada Lovelace",
        filer_account_id="acc-1",
        documents=[{"document_id": "d1", "filename": "motion.pdf", "pages": 3}],
        sealed_at=WHEN if sealed else None,
    )


def test_court_time_is_utc_and_the_court_local_filing_day() -> None:
    moment = court_time_pb(WHEN, COURT_TZ)
    assert moment.local == "2026-03-07T23:59:59-08:00"
    assert moment.local_date == "2026-03-07"
    assert moment.utc.ToDatetime(tzinfo=UTC) == WHEN


def test_the_alien_number_is_for_court_staff_and_counsel_of_record_only() -> None:
    assert case_pb(CASE, COUNSEL, viewer=PUBLIC, tz=COURT_TZ).origin.alien_number == ""
    assert case_pb(CASE, COUNSEL, viewer=None, tz=COURT_TZ).origin.alien_number == ""
    assert case_pb(CASE, COUNSEL, viewer=CLERK, tz=COURT_TZ).origin.alien_number == "A012-345-678"
    assert (
        case_pb(CASE, COUNSEL, viewer=ATTORNEY, tz=COURT_TZ).origin.alien_number == "A012-345-678"
    )
    public = case_pb(CASE, COUNSEL, viewer=PUBLIC, tz=COURT_TZ)
    assert public.origin.agency == "Board of Immigration Appeals"
    assert [c.name for c in public.counsel] == ["Ada Lovelace"]
    assert public.case_type == common_pb2.CASE_TYPE_IMMIGRATION


def test_a_sealed_entry_has_no_text_for_anyone_but_court_staff() -> None:
    sealed = _entry(sealed=True)
    public = entry_pb(sealed, viewer=PUBLIC, tz=COURT_TZ)
    assert (public.sealed, public.text, public.documents[0].filename) == (True, "", "")
    clerk = entry_pb(sealed, viewer=CLERK, tz=COURT_TZ)
    assert clerk.text.startswith("MOTION") and clerk.documents[0].filename == "motion.pdf"
    assert entry_pb(_entry(sealed=False), viewer=PUBLIC, tz=COURT_TZ).text.startswith("MOTION")


def test_sealed_documents_are_refused_without_asking_access() -> None:
    sealed = _entry(sealed=True)
    assert _askable([sealed], PUBLIC) == []
    assert _askable([sealed], CLERK) == ["d1"]
    (doc,) = entry_documents(sealed, PUBLIC, {})
    assert (doc.may_open, doc.denied_reason) == (False, "sealed")


class _Failing(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code


class _Stub:
    def __init__(self, outcome: object) -> None:
        self.outcome = outcome
        self.calls: list[tuple[list[str], object]] = []

    def CheckAccess(self, request, metadata, timeout):  # type: ignore[no-untyped-def]
        self.calls.append((list(request.document_ids), metadata))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def _checker(stub: _Stub) -> RemoteAccessChecker:
    checker = RemoteAccessChecker.__new__(RemoteAccessChecker)
    checker._stub = stub  # type: ignore[assignment]
    checker._timeout = 1.0
    return checker


def test_access_unimplemented_or_down_marks_documents_unavailable() -> None:
    for code in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.UNAVAILABLE):
        stub = _Stub(_Failing(code))
        decisions = _checker(stub).check(["d1", "d2"], "token-1")
        assert {d: (v.allowed, v.reason) for d, v in decisions.items()} == {
            "d1": (False, "unavailable"),
            "d2": (False, "unavailable"),
        }
        # One batch, with the reader's own session.
        assert stub.calls == [(["d1", "d2"], (("authorization", "Bearer token-1"),))]


def test_access_answers_are_used_per_document_and_nothing_is_asked_for_no_documents() -> None:
    reply = access_pb2.CheckAccessResponse(
        decisions=[
            access_pb2.AccessDecision(document_id="d1", allowed=True, fee_cents=30),
            access_pb2.AccessDecision(document_id="d2", allowed=False, reason="restricted_case"),
        ]
    )
    stub = _Stub(reply)
    decisions = _checker(stub).check(["d1", "d2", "d3"], None)
    assert (decisions["d1"].allowed, decisions["d1"].fee_cents) == (True, 30)
    assert decisions["d2"].reason == "restricted_case"
    assert decisions["d3"].reason == "unavailable"
    assert _checker(_Stub(reply)).check([], "t") == {}
    (doc,) = entry_documents(_entry(sealed=False), PUBLIC, decisions)
    assert (doc.may_open, doc.fee_cents, doc.filename) == (True, 30, "motion.pdf")
