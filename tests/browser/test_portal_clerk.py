"""The Clerk's Office in the browser: a notice of appearance accepted, another rejected."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from portal_kit import Portal, check_page, log_in, shot, wait_until
from support.api import Api, efiler, file, petition
from support.pdf_corpus import text_1_page


def docketed(api: Api, filing_id: str) -> dict[str, object] | None:
    status: dict[str, object] = api.get(f"/api/v1/filings/{filing_id}").json()
    return status if status["status"] in ("docketed", "rejected") else None


def test_the_clerk_accepts_an_appearance_filed_in_a_narrow_window(
    portal: Portal, staff: dict[str, str], edge_url: str, clerk: Api
) -> None:
    petitioner_counsel = efiler(edge_url, clerk)
    opened = file(petitioner_counsel, petition(), text_1_page())
    assert opened.status_code == 201, opened.text
    case = wait_until(lambda: docketed(petitioner_counsel, opened.json()["filing_id"]))
    number = str(case["case_number"])
    government = efiler(edge_url, clerk, name="Gina Government")
    latecomer = efiler(edge_url, clerk, name="Lee Latecomer")

    # The government's lawyer files a notice of appearance from a 320 px wide window.
    lawyer = portal.page(width=320)
    log_in(lawyer, government.account["username"], secret=government.totp_secret or "")
    lawyer.get_by_role("navigation", name="Main").get_by_role("link", name="File in a case").click()
    check_page(lawyer)
    lawyer.get_by_label("Case number").fill(number)
    lawyer.get_by_label("Document", exact=True).select_option("notice_of_appearance")
    lawyer.get_by_label("The party you appear for").fill("Federal Agency")
    lawyer.get_by_label("Their role in the case").select_option("respondent")
    lawyer.get_by_label("The document (lead, PDF)").set_input_files(
        {"name": "appearance.pdf", "mimeType": "application/pdf", "buffer": text_1_page()}
    )
    lawyer.get_by_role("button", name="Check the filing").click()
    expect(lawyer.locator("#findings")).to_contain_text("No problems found")
    shot(lawyer, "file-case")
    lawyer.get_by_role("button", name="File the notice of appearance").click()
    receipt = lawyer.locator("#receipt")
    expect(receipt).to_contain_text("Waiting for the Clerk's Office")
    filing_id = receipt.locator("code").first.inner_text()

    # Another appearance, filed through the API, is waiting too.
    other = file(
        latecomer,
        {
            "type": "notice_of_appearance",
            "case_number": number,
            "parties": [{"name": "Amicus Society", "role": "amicus"}],
        },
        text_1_page(),
    )
    assert other.status_code == 201, other.text

    office = portal.page()
    log_in(office, staff["clerk"])
    office.goto("/clerk")
    row = office.locator(f"#queue-table tr[data-filing-id='{filing_id}']")
    expect(row).to_contain_text("notice of appearance by Gina Government")
    expect(row).to_contain_text(number)
    shot(office, "clerk-queue")
    row.get_by_role("button", name=re.compile(r"^Accept")).click()
    expect(row).to_contain_text("accepted")

    rejected_row = office.locator(f"#queue-table tr[data-filing-id='{other.json()['filing_id']}']")
    reason = rejected_row.get_by_label("Reason for rejecting")
    rejected_row.get_by_role("button", name=re.compile(r"^Reject")).click()  # no reason yet
    assert reason.evaluate("(input) => input.validity.valueMissing")  # asked for, not sent
    reason.fill("Not admitted to this court's bar")
    rejected_row.get_by_role("button", name=re.compile(r"^Reject")).click()
    expect(rejected_row).to_contain_text("rejected")
    status = wait_until(lambda: docketed(latecomer, other.json()["filing_id"]))
    assert (status["status"], status["reject_reason"]) == (
        "rejected",
        "Not admitted to this court's bar",
    )

    # The lawyer's receipt follows the decision; the case lists the new counsel of record.
    expect(lawyer.locator("#receipt-status")).to_contain_text("Docketed as entry", timeout=30_000)
    lawyer.goto(f"/cases/{number}")
    counsel = lawyer.locator("#counsel")
    expect(counsel).to_contain_text("Gina Government")
    expect(counsel).to_contain_text("for Federal Agency")
    expect(counsel).not_to_contain_text("Lee Latecomer")
