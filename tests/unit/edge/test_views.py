"""The edge's JSON views of wire messages (services/edge/views.py, routes/cases.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from court.v1 import common_pb2, docket_pb2, filing_pb2

from services.common.wire import court_time_pb
from services.edge.routes.cases import case_view, entry_view
from services.edge.views import court_time_view, filing_view

COURT_TZ = ZoneInfo("America/Los_Angeles")  # the default court zone (Settings)

LATE = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 23:30 PST on 7 March


def test_a_court_time_reads_the_court_local_filing_date() -> None:
    view = court_time_view(court_time_pb(LATE, COURT_TZ))
    assert view == {
        "utc": "2026-03-08T07:30:00Z",
        "local": "2026-03-07T23:30:00-08:00",
        "local_date": "2026-03-07",
    }


def test_a_receipt_names_its_enums_and_its_filed_date() -> None:
    filing = filing_pb2.Filing(
        filing_id="f1",
        status=filing_pb2.FILING_STATUS_RECEIVED,
        filing_type=common_pb2.FILING_TYPE_MOTION,
        documents=[filing_pb2.FiledDocument(document_id="d", role=filing_pb2.DOCUMENT_ROLE_LEAD)],
    )
    filing.received_at.CopyFrom(court_time_pb(LATE, COURT_TZ))
    view = filing_view(filing)
    assert (view["status"], view["type"], view["filed_date"]) == (
        "received",
        "motion",
        "2026-03-07",
    )
    assert view["documents"][0]["role"] == "lead"  # type: ignore[index]


def test_unknown_enum_values_read_unspecified_instead_of_failing() -> None:
    filing = filing_pb2.Filing(filing_id="f1", status=42, filing_type=42)  # type: ignore[arg-type]
    view = filing_view(filing)
    assert (view["status"], view["type"]) == ("unspecified", "unspecified")
    case = docket_pb2.Case(case_number="26-1", case_type=42, status=42)  # type: ignore[arg-type]
    case.parties.add(name="A", role=42)  # type: ignore[arg-type]
    assert case_view(case)["case_type"] == "unspecified"
    assert case_view(case)["parties"] == [{"name": "A", "role": "unspecified"}]
    entry = docket_pb2.DocketEntry(number=1, filing_type=42)  # type: ignore[arg-type]
    assert entry_view(entry)["filing_type"] == "unspecified"
