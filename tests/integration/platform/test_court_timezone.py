"""The court's time zone comes from OPENECF_COURT_TIMEZONE in every service: a filing's receipt,
its status, its docket entry and its NDA give the same court-local filing date.

The services have no settable clock, so "near midnight" is made with the zone instead: the test
picks a zone whose calendar date differs from Pacific's right now. A service that still used
Pacific (the old default argument) would show another date than the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.api import Api, docketed_status, efiler, file, mail_to, petition
from support.pdf_corpus import text_1_page

from services.stack.supervisor import LocalStack

PACIFIC = ZoneInfo("America/Los_Angeles")
# UTC+14 and UTC-11: at any instant one of them is on another calendar day than Pacific.
CANDIDATES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")
SERVICES_WITH_TIMES = ("filing", "docket", "notify")


def _other_day_zone(now: datetime) -> ZoneInfo:
    """A zone on another date than Pacific, far enough from its own midnight for one test."""

    def margin(zone: ZoneInfo) -> timedelta:
        local = now.astimezone(zone)
        since = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
        return min(since, timedelta(days=1) - since)

    zones = [ZoneInfo(name) for name in CANDIDATES]
    other_day = [z for z in zones if now.astimezone(z).date() != now.astimezone(PACIFIC).date()]
    return max(other_day, key=margin)


@pytest.fixture
def court_zone(stack: LocalStack) -> Iterator[ZoneInfo]:
    """The stack's services that stamp times, restarted in another zone, and back after."""
    zone = _other_day_zone(datetime.now(UTC))
    original = stack.settings
    stack.settings = original.model_copy(update={"court_timezone": zone.key})
    try:
        stack.restart_children(list(SERVICES_WITH_TIMES))
        yield zone
    finally:
        stack.settings = original
        stack.restart_children(list(SERVICES_WITH_TIMES))


def test_receipt_status_entry_and_nda_agree_on_the_court_local_date(
    stack: LocalStack, edge_url: str, clerk: Api, court_zone: ZoneInfo
) -> None:
    lawyer = efiler(edge_url, clerk)
    filed = file(lawyer, petition(), text_1_page())
    assert filed.status_code == 201, filed.text
    receipt = filed.json()
    received = datetime.fromisoformat(receipt["received_at"].replace("Z", "+00:00"))
    expected_date = received.astimezone(court_zone).date()
    assert expected_date != received.astimezone(PACIFIC).date()  # the zone matters here

    # The receipt, in the court's zone.
    local = datetime.fromisoformat(receipt["received_at_local"])
    assert local.utcoffset() == received.astimezone(court_zone).utcoffset()
    assert receipt["filed_date"] == expected_date.isoformat()

    # The status, once docketed, says the same.
    status = docketed_status(lawyer, receipt["filing_id"])
    assert status["filed_date"] == expected_date.isoformat()
    assert status["received_at_local"] == receipt["received_at_local"]

    # The docket entry: filed that court-local day, entered in the same zone.
    sheet = lawyer.get(f"/api/v1/cases/{status['case_number']}/docket")
    assert sheet.status_code == 200, sheet.text
    entry = next(e for e in sheet.json()["entries"] if e["number"] == status["entry_number"])
    assert entry["filed_at"]["local_date"] == expected_date.isoformat()
    entered = datetime.fromisoformat(entry["entered_at"]["local"])
    assert entered.utcoffset() == received.astimezone(court_zone).utcoffset()

    # The NDA to counsel: "filed on MM/DD/YYYY", the court-local date.
    # ACMS's subject: "<case name> <case number> - <entry, three digits> - <short text>".
    nda = mail_to(
        stack.maildir,
        lawyer.account["email"],
        f" {status['case_number']} - {status['entry_number']:03d} - ",
    )
    filed_on = re.search(
        r"filed on (\d\d/\d\d/\d{4})", (nda.get_body(("plain",)) or nda).get_content()
    )
    assert filed_on, nda.get_content()
    assert filed_on.group(1) == expected_date.strftime("%m/%d/%Y")

    # The e-mailed receipt names the same local time.
    mailed = mail_to(stack.maildir, lawyer.account["email"], receipt["filing_id"][:8])
    assert local.strftime("%m/%d/%Y at %I:%M %p") in mailed.get_content()
