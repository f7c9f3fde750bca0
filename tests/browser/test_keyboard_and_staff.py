"""In Chromium, Firefox ESR and WebKitGTK: a petition filed with the keyboard only, the PDF
check's findings announced in words, and the staff's switches: the clerk's accept, then the
administrator closing the court (the banner in court time, a visitor's view at 320 px, a filing
refused meanwhile) and reopening it.

Beside test_engines.py's matrix of pages, not in it: a file of its own, so that pytest-xdist
(`--dist loadfile`) can run it on the other worker.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from engines import EngineBrowser
from portal_kit import court_words, openecf
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from support.api import Api, docketed, efiler, notice_of_appearance, petition, received, wait_for
from support.pdf_corpus import text_1_page

from services.stack.supervisor import LocalStack

FOLLOW_SECONDS = 2.5  # every process follows a maintenance switch within 2 seconds
CLERK, ADMIN = "clerk", "admin"


def focus_shown(browser: EngineBrowser) -> dict[str, str]:
    ring: dict[str, str] = browser.js(
        """const s = getComputedStyle(document.activeElement);
        return {id: document.activeElement.id || document.activeElement.tagName,
                outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow}"""
    )
    return ring


def has_ring(ring: dict[str, str]) -> bool:
    return (ring["outline"] != "none" and ring["width"] != "0px") or ring["shadow"] != "none"


def press(browser: EngineBrowser, *keys: str) -> None:
    ActionChains(browser.driver).send_keys(*keys).perform()


def focused(browser: EngineBrowser, css: str) -> bool:
    return bool(browser.js("return document.activeElement.matches(arguments[0])", css))


def active_id(browser: EngineBrowser) -> str:
    return str(browser.js("return document.activeElement.id || document.activeElement.tagName"))


FILE_A_PETITION = ".main-nav a[href='/file/petition']"
PETITION_ORDER = [
    "case-type",
    "petitioner",
    "respondent",
    "title",
    "description",
    "lead",
    "attachments",
    "check",
]


def test_file_a_petition_with_the_keyboard_only(
    browser_in: EngineBrowser, edge_url: str, clerk: Api, tmp_path: Path
) -> None:
    """Tab and Enter (and typing): the header's link to the form, skip link first, focus
    visible, order follows the form."""
    browser = browser_in
    counsel = efiler(edge_url, clerk)
    browser.log_in(counsel.account["username"], secret=counsel.totp_secret or "")
    pdf = tmp_path / "petition.pdf"
    pdf.write_bytes(text_1_page())

    # From the home page, Tab through the header to "File a petition" and follow it.
    browser.goto("/")
    browser.js("document.activeElement.blur(); window.scrollTo(0, 0)")
    for _ in range(10):
        press(browser, Keys.TAB)
        if focused(browser, FILE_A_PETITION):
            break
    assert focused(browser, FILE_A_PETITION), active_id(browser)
    assert has_ring(focus_shown(browser)), focus_shown(browser)
    press(browser, Keys.ENTER)
    browser.wait(lambda: browser.driver.current_url.endswith("/file/petition"), what="the form")
    browser.settled()
    browser.wait_text("main h1", "File a petition for review")

    browser.js("document.activeElement.blur(); window.scrollTo(0, 0)")
    press(browser, Keys.TAB)
    assert focused(browser, "a.skip-link"), active_id(browser)
    assert has_ring(focus_shown(browser)), focus_shown(browser)
    browser.wait(  # it slides in (a 0.1 s transition)
        lambda: browser.js("return document.activeElement.getBoundingClientRect().top >= 0"),
        what="the focused skip link on screen",
    )
    press(browser, Keys.ENTER)
    browser.wait(lambda: active_id(browser) == "main", what="focus in the main content")

    order: list[str] = []
    rings: dict[str, dict[str, str]] = {}
    for _ in PETITION_ORDER:
        press(browser, Keys.TAB)
        order.append(active_id(browser))
        ring = focus_shown(browser)
        if not has_ring(ring):
            rings[order[-1]] = ring
        if order[-1] == "petitioner":
            press(browser, "Pat Petitioner")
        elif order[-1] == "respondent":
            press(browser, "Federal Agency")
        elif order[-1] == "lead":
            # The file chooser is the system's dialog: WebDriver picks the file in its place.
            browser.driver.switch_to.active_element.send_keys(str(pdf))
    assert order == PETITION_ORDER, (browser.engine, order)
    assert rings == {}, (browser.engine, "focus not visible", rings)
    assert browser.find("#title").get_attribute("value") == "Pat Petitioner v. Federal Agency"

    press(browser, Keys.ENTER)  # "Check the filing"
    browser.wait_text("#findings", "No problems found")
    browser.wait(lambda: active_id(browser) == "findings", what="focus on the findings")
    press(browser, Keys.TAB)  # back to "Check the filing", then on to "File the petition"
    press(browser, Keys.TAB)
    assert active_id(browser) == "submit", (browser.engine, active_id(browser))
    assert has_ring(focus_shown(browser)), focus_shown(browser)
    press(browser, Keys.ENTER)  # "File the petition"
    browser.wait(
        lambda: browser.js("return document.activeElement.closest('#receipt') !== null"),
        what="focus on the receipt",
    )
    browser.wait_text("#receipt", "Docketed as entry 1 in case", timeout=30)
    assert browser.axe() == [], browser.engine


def test_the_petition_findings_are_announced_in_plain_language(
    browser_in: EngineBrowser, edge_url: str, clerk: Api, tmp_path: Path
) -> None:
    """The PDF check's findings (an unredacted SSN) land in a live region, in words."""
    from support.pdf_corpus import CORPUS

    browser = browser_in
    counsel = efiler(edge_url, clerk)
    browser.log_in(counsel.account["username"], secret=counsel.totp_secret or "")
    pdf = tmp_path / "ssn.pdf"
    pdf.write_bytes(CORPUS["ssn_unredacted"].make())
    browser.goto("/file/petition")
    browser.find("#petitioner").send_keys("Pat Petitioner")
    browser.find("#respondent").send_keys("Federal Agency")
    browser.find("#lead").send_keys(str(pdf))
    browser.find("#check").click()
    browser.wait_text("#findings", "cannot be filed")
    assert browser.find("#findings").get_attribute("aria-live") == "polite"
    assert "pii_unredacted" in browser.text("#findings")
    assert not browser.find("#submit").is_enabled()
    assert browser.axe() == [], browser.engine


def test_the_clerk_accepts_a_filing_and_the_admin_closes_the_court(
    browser_in: EngineBrowser,
    edge_url: str,
    clerk: Api,
    staff: dict[str, str],
    stack: LocalStack,
    tmp_path: Path,
) -> None:
    """The staff journeys in each engine: the queue's accept; the maintenance switch (at
    1280 px), the banner in court time a visitor sees (at 320 px, in another window), a filing
    refused meanwhile, and the reopening."""
    browser = browser_in
    counsel = efiler(edge_url, clerk)
    number = docketed(counsel, petition(), text_1_page())
    appearance = notice_of_appearance(number, "Amicus Society", "amicus")
    filing_id = received(counsel, appearance, text_1_page())["filing_id"]

    browser.log_in(staff[CLERK])
    row = f"#queue-table tr[data-filing-id='{filing_id}']"

    def queued() -> bool:  # the queue is read once per page: look again until it is there
        browser.goto("/clerk")
        return str(number) in browser.text(row)

    browser.wait(queued, timeout=30, what="the appearance in the clerk's queue")
    assert browser.axe() == [], browser.engine  # the queue with a filing in it
    browser.find(f"{row} button.accept").click()
    browser.wait_text(row, "accepted")

    # A visitor on a phone (this window) finds the court open; the administrator works in
    # another window.
    browser.log_out()
    visitor = browser.driver.current_window_handle
    browser.viewport(320)
    browser.goto("/")
    browser.wait_text("#status-panel", "Open for e-filing")
    assert browser.text("#maintenance-banner").strip() == ""
    office = browser.open_window()
    browser.viewport(1280)
    browser.log_in(staff[ADMIN])
    try:
        browser.follow(".main-nav a[href='/admin/maintenance']", "/admin/maintenance")
        # The buttons show before the page's script listens to them: wait for the state it read.
        browser.wait(lambda: "Loading" not in browser.text("#maintenance-state"), what="state")
        until = browser.find("#until")
        until.clear()
        until.send_keys("30m")
        browser.find("#reason").send_keys("Engine test window")
        browser.find("#close-submit").click()
        browser.wait_text("#maintenance-message", "closed for maintenance")
        # The edge follows the switch (through Kafka) within 2 seconds, like every process.
        closed = wait_for(lambda: (lambda s: s if s["active"] else None)(status(edge_url)))
        banner = f"closed for maintenance until {court_words(closed['ends_at_local'])} (Pacific)"
        browser.wait_text("#maintenance-banner", banner, timeout=15)
        assert browser.axe() == [], browser.engine  # the banner and the closed state
        browser.shot("maintenance-admin")

        # The visitor's home page: the banner, in court time, within 320 px.
        browser.switch_to(visitor)
        browser.goto("/")
        browser.wait_text("#maintenance-banner", banner)
        browser.wait_text("#maintenance-banner", "Engine test window")
        browser.wait_text("#status-panel", "Closed for maintenance")
        box = browser.js(
            "const r = document.querySelector('#maintenance-banner').getBoundingClientRect();"
            " return [r.left, r.right, document.documentElement.scrollWidth]"
        )
        assert box[0] >= 0 and box[1] <= 320 and box[2] <= 320, (browser.engine, box)
        browser.shot("home-maintenance")

        # Filing meanwhile (the administrator is court staff, who may file): the check writes
        # nothing and still works; the filing is refused in words, and focus goes there.
        browser.switch_to(office)
        time.sleep(FOLLOW_SECONDS)
        browser.goto("/file/petition")
        browser.wait_text("#maintenance-banner", banner)
        browser.find("#petitioner").send_keys("Pat Petitioner")
        browser.find("#respondent").send_keys("Federal Agency")
        pdf = tmp_path / "petition.pdf"
        pdf.write_bytes(text_1_page())
        browser.find("#lead").send_keys(str(pdf))
        browser.find("#check").click()
        browser.wait_text("#findings", "No problems found")
        browser.find("#submit").click()
        browser.wait_text("#filing-message", "(maintenance)")
        browser.wait_text("#filing-message", "closed for maintenance")
        browser.wait_text("#filing-message", "Nothing was filed or changed")
        assert active_id(browser) == "filing-message", (browser.engine, active_id(browser))
        browser.shot("petition-maintenance")

        # The administrator reopens the court; the banner goes, for the visitor too.
        browser.follow(".main-nav a[href='/admin/maintenance']", "/admin/maintenance")
        browser.wait(lambda: "Loading" not in browser.text("#maintenance-state"), what="state")
        browser.find("#open-submit").click()
        browser.wait_text("#maintenance-message", "open again")
        browser.wait(lambda: not browser.text("#maintenance-banner").strip(), what="no banner")
        wait_for(lambda: not status(edge_url)["active"], what="the court open again")
        browser.switch_to(visitor)

        def reopened() -> bool:
            browser.goto("/")
            return not browser.text("#maintenance-banner").strip()

        browser.wait(reopened, what="the banner gone for the visitor")
        browser.wait_text("#status-panel", "Open for e-filing")
    finally:
        if status(edge_url)["active"]:
            openecf(stack, "maintenance", "off")
        wait_for(lambda: not status(edge_url)["active"], what="the court open again")
        time.sleep(FOLLOW_SECONDS)  # every process follows: later tests find the court open


def status(edge_url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{edge_url}/api/v1/status", timeout=10).json()
    return answer
