"""The maintenance switch and banner: an administrator closes the court; every page says so."""

from __future__ import annotations

import time
from datetime import datetime

import httpx
from playwright.sync_api import Page, expect
from portal_kit import Portal, check_page, log_in, openecf, shot, wait_until
from support.pdf_corpus import text_1_page

from services.stack.supervisor import LocalStack

FOLLOW_SECONDS = 2.5  # every process follows a change within 2 seconds


def status(edge_url: str) -> dict[str, object]:
    answer: dict[str, object] = httpx.get(f"{edge_url}/api/v1/status", timeout=10).json()
    return answer


def reopen(stack: LocalStack, edge_url: str) -> None:
    """Leave the court open for the rest of the session, whatever happened."""
    if status(edge_url)["active"]:
        openecf(stack, "maintenance", "off")
    wait_until(lambda: not status(edge_url)["active"], what="the court open again")
    time.sleep(FOLLOW_SECONDS)


def banner_text(page: Page) -> str:
    page.reload()
    page.wait_for_load_state("networkidle")
    return page.locator("#maintenance-banner").inner_text()


def test_the_banner_shows_when_an_administrator_closes_the_court(
    portal: Portal, staff: dict[str, str], stack: LocalStack, edge_url: str
) -> None:
    admin = portal.page()
    log_in(admin, staff["admin"])
    visitor = portal.page(width=320)
    visitor.goto("/")
    expect(visitor.locator("#status-panel")).to_contain_text("Open for e-filing")
    expect(visitor.locator("#maintenance-banner")).to_be_empty()
    try:
        admin.get_by_role("navigation", name="Main").get_by_role("link", name="Maintenance").click()
        # The buttons show before the page's script listens to them: wait for the state it read.
        expect(admin.locator("#maintenance-state")).not_to_contain_text("Loading")
        check_page(admin)
        admin.get_by_label("Until").fill("30m")
        admin.get_by_label("Reason (shown to users)").fill("Browser test window")
        admin.get_by_role("button", name="Close the court for maintenance").click()
        expect(admin.locator("#maintenance-message")).to_contain_text("closed for maintenance")
        # The edge follows the change through Kafka within 2 seconds, like every process.
        closed = wait_until(
            lambda: (lambda s: s if s["active"] else None)(status(edge_url)),
            timeout=10,
            what="the edge closed",
        )
        until = datetime.fromisoformat(str(closed["ends_at_local"]))
        expected = (
            "closed for maintenance until "
            + until.strftime("%A, %B %-d, %Y at %-I:%M %p")
            + " (Pacific)"
        )
        expect(admin.locator("#maintenance-banner")).to_contain_text(expected)
        shot(admin, "maintenance-admin")

        # A visitor's home page (320 px wide): the banner and the closed status.
        text = wait_until(
            lambda: (lambda t: t if expected in t else None)(banner_text(visitor)),
            what="the banner on the home page",
        )
        assert "Browser test window" in text
        expect(visitor.locator("#status-panel")).to_contain_text("Closed for maintenance")
        shot(visitor, "home-maintenance")

        # Filing meanwhile (the administrator may file: court staff): checking a filing
        # writes nothing and still works; filing it is the API's 503 `maintenance`, in words.
        time.sleep(FOLLOW_SECONDS)
        admin.goto("/file/petition")
        expect(admin.locator("#maintenance-banner")).to_contain_text(expected)
        admin.get_by_label("Petitioner").fill("Pat Petitioner")
        admin.get_by_label("Respondent").fill("Federal Agency")
        admin.get_by_label("The petition (lead document, PDF)").set_input_files(
            {"name": "petition.pdf", "mimeType": "application/pdf", "buffer": text_1_page()}
        )
        admin.get_by_role("button", name="Check the filing").click()
        expect(admin.locator("#findings")).to_contain_text("No problems found")
        admin.get_by_role("button", name="File the petition").click()
        message = admin.locator("#filing-message")
        expect(message).to_contain_text("(maintenance)")
        expect(message).to_contain_text("closed for maintenance")
        expect(message).to_contain_text("Nothing was filed or changed")
        expect(message).to_be_focused()
        shot(admin, "petition-maintenance")
        admin.get_by_role("navigation", name="Main").get_by_role("link", name="Maintenance").click()
        expect(admin.locator("#maintenance-state")).not_to_contain_text("Loading")

        # The administrator reopens the court; the banner goes.
        admin.get_by_role("button", name="Reopen the court now").click()
        expect(admin.locator("#maintenance-message")).to_contain_text("open again")
        expect(admin.locator("#maintenance-banner")).to_be_empty()
        wait_until(lambda: not status(edge_url)["active"], what="the court open again")
        wait_until(lambda: banner_text(visitor) == "", what="the banner gone")
    finally:
        reopen(stack, edge_url)
