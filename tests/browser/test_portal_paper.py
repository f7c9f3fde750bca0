"""Paper in the browser: the clerk dockets a scanned paper filing (OCR'd), then serves by mail
the party that receives no e-mail: the packet opens, and "Mark served" takes the item off."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from portal_kit import Portal, check_page, log_in, shot, wait_until
from support.api import Api, efiler, file, petition
from support.paper_scans import scanned_letter
from support.pdf_corpus import text_1_page
from support.stack import court_today


def docketed(api: Api, filing_id: str) -> dict[str, object] | None:
    status: dict[str, object] = api.get(f"/api/v1/filings/{filing_id}").json()
    return status if status["status"] == "docketed" else None


def test_the_clerk_dockets_a_scan_and_serves_by_mail(
    portal: Portal, staff: dict[str, str], edge_url: str, clerk: Api
) -> None:
    counsel = efiler(edge_url, clerk)
    opened = file(counsel, petition(), text_1_page())
    assert opened.status_code == 201, opened.text
    number = str(wait_until(lambda: docketed(counsel, opened.json()["filing_id"]))["case_number"])

    office = portal.page()
    log_in(office, staff["clerk"])
    office.goto("/clerk")
    office.get_by_role("link", name="docket a paper filing").click()
    check_page(office)
    office.get_by_label("Case number").fill(number)
    office.get_by_label("Document", exact=True).select_option("letter")
    office.get_by_label("The party who filed it").fill("A. Petitioner")
    # The court's date, not the browser's (New York's here).
    expect(office.get_by_label("Date the paper was received")).to_have_value(
        court_today().isoformat()
    )
    office.get_by_label("The scanned document (PDF)").set_input_files(
        {
            "name": "letter.pdf",
            "mimeType": "application/pdf",
            "buffer": scanned_letter(["LETTER TO THE COURT", "I ask for more time to reply."]),
        }
    )
    shot(office, "paper-filing")
    office.get_by_role("button", name="Docket the paper filing").click()
    receipt = office.locator("#receipt")
    expect(receipt).to_contain_text("Receipt", timeout=120_000)
    expect(office.locator("#receipt-status")).to_contain_text("ocketed", timeout=60_000)

    office.goto("/clerk/paper-service")
    check_page(office)
    rows = office.locator("#paper-service-table tbody tr").filter(has_text=number)
    expect(rows.first).to_contain_text("Federal Agency")
    row = rows.first
    shot(office, "paper-service")
    row.get_by_role("button", name=re.compile(r"^Print packet for")).click()
    expect(row.locator("[role=status]")).to_contain_text("Packet ready")
    row.get_by_role("button", name=re.compile(r"^Mark served: ")).click()
    expect(row).to_contain_text("served")
    expect(office.locator("#paper-service-message")).to_contain_text("marked served")
