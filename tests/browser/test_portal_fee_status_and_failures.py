"""The case page's fee status (the clerk records it there) and the public list of technical
failures, in the browser."""

from __future__ import annotations

from playwright.sync_api import expect
from portal_kit import Portal, check_page, log_in, shot, wait_until
from support.api import Api, efiler, file, petition
from support.pdf_corpus import text_1_page


def test_the_clerk_records_the_fee_status_on_the_case_page(
    portal: Portal, staff: dict[str, str], edge_url: str, clerk: Api
) -> None:
    counsel = efiler(edge_url, clerk)
    opened = file(counsel, petition(), text_1_page())
    assert opened.status_code == 201, opened.text
    filing_id = opened.json()["filing_id"]
    number = wait_until(
        lambda: counsel.get(f"/api/v1/filings/{filing_id}").json()["case_number"],
        what="the case opened",
    )

    page = portal.page(width=320)
    log_in(page, staff["clerk"])
    page.goto(f"/cases/{number}")
    expect(page.locator("#fee-status-value")).to_have_text("Not recorded")
    check_page(page)
    page.get_by_label("New fee status").select_option("ifp_granted")
    page.get_by_role("button", name="Record fee status").click()
    expect(page.locator("#fee-status-value")).to_have_text("IFP granted")
    shot(page, "case-fee-status")
    assert counsel.get(f"/api/v1/cases/{number}").json()["fee_status"] == "ifp_granted"

    # Counsel sees the status but no form to change it.
    lawyer = portal.page()
    log_in(lawyer, counsel.account["username"], secret=counsel.totp_secret or "")
    lawyer.goto(f"/cases/{number}")
    expect(lawyer.locator("#fee-status-value")).to_have_text("IFP granted")
    expect(lawyer.get_by_role("button", name="Record fee status")).to_have_count(0)


def test_technical_failures_are_listed_for_everyone_in_court_time(
    portal: Portal, admin: Api
) -> None:
    recorded = admin.post(
        "/api/v1/admin/technical-failures",
        json={
            "started_at": "2026-02-10T08:00:00",
            "ended_at": "2026-02-10T09:30:00",
            "unavailable": "the whole site",
            "note": "network outage at the court",
        },
    )
    assert recorded.status_code == 201, recorded.text
    page = portal.page(width=320)  # nobody logged in
    page.goto("/technical-failures")
    failures = page.locator("#technical-failures")
    expect(failures).to_contain_text("the whole site unavailable (network outage at the court)")
    expect(failures).to_contain_text("8:00")
    check_page(page)
    shot(page, "technical-failures")
