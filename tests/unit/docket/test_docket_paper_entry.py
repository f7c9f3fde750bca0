"""A paper filing's docket text says it was filed on paper, on which day, and who entered it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from court.v1 import events_pb2

from services.docket.entries import paper_note

TZ = ZoneInfo("America/Los_Angeles")


def paper_filing(received_utc: datetime, clerk: str) -> events_pb2.FilingSubmitted:
    event = events_pb2.FilingSubmitted(
        filing_id="f", filer_name="Maria Lopez", filed_on_paper=True, entered_by_name=clerk
    )
    event.received_at.utc.FromDatetime(received_utc)
    return event


def test_the_note_names_the_court_local_day_and_the_clerk() -> None:
    # Midnight Pacific on December 1 is 08:00 UTC that day.
    event = paper_filing(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "Clara  Clerk")
    assert paper_note(event, TZ) == " Filed on paper 12/01/2026; entered by Clara Clerk."


def test_a_clerk_without_a_name_is_the_office() -> None:
    event = paper_filing(datetime(2026, 7, 4, 7, 0, tzinfo=UTC), "")
    assert paper_note(event, TZ) == " Filed on paper 07/04/2026; entered by the Clerk's Office."
