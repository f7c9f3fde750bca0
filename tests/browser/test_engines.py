"""Every page in Chromium, Firefox ESR and WebKitGTK: axe-core at WCAG 2.1 AA, logged out and as
each role; the navigation complete at 320 px; a keyboard-only petition; messages announced.

A new page joins the matrix by one entry in PAGES (the roles that see it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from engines import WIDTHS, EngineBrowser
from portal_kit import openecf
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from support.api import Api, efiler, file, petition, register, wait_for
from support.pdf_corpus import text_1_page

from services.edge.portal.router import PAGES as ROUTED
from services.stack.supervisor import LocalStack

GUEST, PUBLIC, ATTORNEY, CLERK, ADMIN = "guest", "public", "attorney", "clerk", "admin"
SIGNED_IN = (PUBLIC, ATTORNEY, CLERK, ADMIN)
EVERYONE = (GUEST, *SIGNED_IN)


@dataclass(frozen=True)
class Visit:
    path: str  # {case}: a docketed case of the session
    roles: tuple[str, ...]


PAGES = (
    Visit("/", EVERYONE),
    Visit("/login", (GUEST,)),
    Visit("/register", (GUEST,)),
    Visit("/forgot-password", (GUEST,)),
    Visit("/reset-password", (GUEST,)),  # no token: the page says the link is incomplete
    Visit("/confirm-email", (GUEST,)),
    Visit("/free-looks/not-a-real-token", (GUEST,)),
    Visit("/attorneys", EVERYONE),
    Visit("/technical-failures", EVERYONE),
    Visit("/cases", (PUBLIC, CLERK)),
    Visit("/cases/{case}", (PUBLIC, ATTORNEY)),
    Visit("/cases/{case}/docket", (PUBLIC, ATTORNEY, CLERK)),
    Visit("/file/petition", (GUEST, ATTORNEY)),
    Visit("/file/case", (GUEST, ATTORNEY)),
    Visit("/dashboard", SIGNED_IN),
    Visit("/profile", SIGNED_IN),
    Visit("/billing", (PUBLIC, ATTORNEY)),
    Visit("/mfa", (PUBLIC, ATTORNEY)),
    Visit("/clerk", (CLERK, ADMIN)),
    Visit("/clerk/paper-filings", (CLERK,)),
    Visit("/clerk/paper-service", (CLERK,)),
    Visit("/admin/maintenance", (ADMIN,)),
)


def test_every_portal_page_is_in_the_matrix() -> None:
    """A page the router serves and PAGES does not visit would escape axe and the widths."""
    visited = {visit.path for visit in PAGES}
    served = {
        page.path.replace("{case_number}", "{case}").replace("{token}", "not-a-real-token")
        for page in ROUTED
    }
    assert served - visited == set(), "add a Visit for each"


# Every container a script writes a status or error message into must be announced.
UNANNOUNCED = """return Array.from(document.querySelectorAll(
        '.message, #findings, #maintenance-banner, [id$="-message"], [id$="-status"]'))
    .filter((e) => !e.getAttribute('aria-live')
        && !['alert', 'status', 'log'].includes(e.getAttribute('role')))
    .map((e) => e.id || e.className)"""

# The navigation items a person sees: (name, rendered?, left, right, height) of each.
NAV_ITEMS = """return Array.from(document.querySelectorAll('.main-nav li > :is(a, button)'))
    .map((e) => { const r = e.getBoundingClientRect(); return [
        e.textContent.trim(), e.getClientRects().length > 0, r.left, r.right, r.height]; })"""


@dataclass
class Cast:
    """The people of the matrix, each with what a browser needs to log in as them."""

    logins: dict[str, tuple[str, str]]  # role -> (username, TOTP secret or "")
    case: str


@pytest.fixture(scope="module")
def cast(stack: LocalStack, edge_url: str, clerk: Api, staff: dict[str, str]) -> Cast:
    _, visitor = register(edge_url, PUBLIC)
    counsel = efiler(edge_url, clerk)
    filed = file(counsel, petition(), text_1_page())
    assert filed.status_code == 201, filed.text
    path = f"/api/v1/filings/{filed.json()['filing_id']}"
    case = wait_for(
        lambda: (lambda s: s["case_number"] if s["status"] == "docketed" else None)(
            counsel.get(path).json()
        ),
        what="the petition docketed",
    )
    return Cast(
        logins={
            PUBLIC: (visitor["username"], ""),
            ATTORNEY: (counsel.account["username"], counsel.totp_secret or ""),
            CLERK: (staff[CLERK], ""),
            ADMIN: (staff[ADMIN], ""),
        },
        case=str(case),
    )


def nav_items(browser: EngineBrowser) -> dict[str, tuple[bool, float, float, float]]:
    return {name: (shown, left, right, h) for name, shown, left, right, h in browser.js(NAV_ITEMS)}


def unreachable_at(browser: EngineBrowser, width: int, wanted: list[str]) -> list[str]:
    """The wanted navigation items not fully on screen at this width (or the page scrolls)."""
    width = browser.viewport(width)
    items = nav_items(browser)
    missing = [
        name
        for name in wanted
        if name not in items
        or not items[name][0]
        or items[name][1] < 0
        or items[name][2] > width
        or items[name][3] < 24  # a target a finger can hit
    ]
    if browser.js("return document.documentElement.scrollWidth > window.innerWidth"):
        missing.append(f"(the page scrolls sideways at {width} px)")
    return missing


@pytest.mark.parametrize("role", EVERYONE)
def test_every_page_passes_axe_and_keeps_its_navigation(
    browser_in: EngineBrowser, cast: Cast, role: str
) -> None:
    browser = browser_in
    if role != GUEST:
        username, secret = cast.logins[role]
        browser.log_in(username, secret=secret)
    found: dict[str, Any] = {}
    for visit in PAGES:
        if role not in visit.roles:
            continue
        path = visit.path.format(case=cast.case)
        browser.viewport(WIDTHS[-1])
        browser.goto(path)
        assert "/login" not in browser.driver.current_url or path == "/login", (role, path)
        violations = browser.axe()
        if violations:
            found[path] = violations
        unannounced = browser.js(UNANNOUNCED)
        if unannounced:
            found[f"{path} (not announced)"] = unannounced
        # Every navigation item rendered at 1280 px is on screen at 320 px too.
        wide = [name for name, (shown, *_) in nav_items(browser).items() if shown]
        assert wide, (browser.engine, path, "no navigation")
        for width in WIDTHS[:-1]:
            missing = unreachable_at(browser, width, wide)
            if missing:
                found[f"{path} at {width} px"] = missing
    assert found == {}, f"{browser.engine} as {role}: {found}"


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


def active_id(browser: EngineBrowser) -> str:
    return str(browser.js("return document.activeElement.id || document.activeElement.tagName"))


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
    """Tab and Enter (and typing): skip link first, focus visible, order follows the form."""
    browser = browser_in
    counsel = efiler(edge_url, clerk)
    browser.log_in(counsel.account["username"], secret=counsel.totp_secret or "")
    pdf = tmp_path / "petition.pdf"
    pdf.write_bytes(text_1_page())

    browser.goto("/file/petition")
    browser.js("document.activeElement.blur(); window.scrollTo(0, 0)")
    press(browser, Keys.TAB)
    assert browser.js("return document.activeElement.matches('a.skip-link')"), active_id(browser)
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
) -> None:
    """The staff journeys in each engine: the queue's accept, the maintenance switch (at
    1280 px) and the banner a visitor sees (at 320 px)."""
    browser = browser_in
    counsel = efiler(edge_url, clerk)
    opened = file(counsel, petition(), text_1_page())
    assert opened.status_code == 201, opened.text
    path = f"/api/v1/filings/{opened.json()['filing_id']}"
    number = wait_for(
        lambda: (lambda s: s["case_number"] if s["status"] == "docketed" else None)(
            counsel.get(path).json()
        ),
        what="the petition docketed",
    )
    appearance = file(
        counsel,
        {
            "type": "notice_of_appearance",
            "case_number": number,
            "parties": [{"name": "Amicus Society", "role": "amicus"}],
        },
        text_1_page(),
    )
    assert appearance.status_code == 201, appearance.text
    filing_id = appearance.json()["filing_id"]

    browser.log_in(staff[CLERK])
    row = f"#queue-table tr[data-filing-id='{filing_id}']"

    def queued() -> bool:  # the queue is read once per page: look again until it is there
        browser.goto("/clerk")
        return str(number) in browser.text(row)

    browser.wait(queued, timeout=30, what="the appearance in the clerk's queue")
    assert browser.axe() == [], browser.engine  # the queue with a filing in it
    browser.find(f"{row} button.accept").click()
    browser.wait_text(row, "accepted")

    browser.log_out()
    browser.log_in(staff[ADMIN])
    browser.goto("/admin/maintenance")
    try:
        until = browser.find("#until")
        until.clear()
        until.send_keys("30m")
        browser.find("#reason").send_keys("Engine test window")
        browser.find("#close-submit").click()
        browser.wait_text("#maintenance-message", "closed for maintenance")
        browser.wait_text("#maintenance-banner", "closed for maintenance", timeout=15)
        assert browser.axe() == [], browser.engine  # the banner and the closed state
        # A visitor on a phone: the banner on the home page, within 320 px.
        browser.log_out()
        browser.viewport(320)
        browser.goto("/")
        browser.wait_text("#maintenance-banner", "Engine test window")
        browser.wait_text("#status-panel", "Closed for maintenance")
        banner = browser.js(
            "const r = document.querySelector('#maintenance-banner').getBoundingClientRect();"
            " return [r.left, r.right, document.documentElement.scrollWidth]"
        )
        assert banner[0] >= 0 and banner[1] <= 320 and banner[2] <= 320, (browser.engine, banner)
    finally:
        openecf(stack, "maintenance", "off")
        # Every process follows the switch within 2 seconds: later tests find the court open.
        wait_for(lambda: not httpx.get(f"{edge_url}/api/v1/status").json()["active"])
        time.sleep(2.5)
