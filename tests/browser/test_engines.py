"""Every page in Chromium, Firefox ESR and WebKitGTK: axe-core at WCAG 2.1 AA, logged out and as
each role; what every page keeps (engines.page_problems); messages announced; the navigation
complete at 320 px and the staff's links only for the staff.

A new page joins the matrix by one entry in PAGES (the roles that see it). Chromium keeps a
screenshot of every page of the matrix at both widths (test-output/screenshots/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from engines import SCROLLS_SIDEWAYS, WIDTHS, EngineBrowser
from support.api import Api, docketed, efiler, petition, register
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


# The staff's navigation items, and who sees them: nobody else, on any page.
STAFF_LINKS = {"Clerk's Office": (CLERK, ADMIN), "Maintenance": (ADMIN,)}


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

WIDE = WIDTHS[-1]  # where axe and the page's own checks run, and what 320 px must keep

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
    case = docketed(counsel, petition(), text_1_page())
    return Cast(
        logins={
            PUBLIC: (visitor["username"], ""),
            ATTORNEY: (counsel.account["username"], counsel.totp_secret or ""),
            CLERK: (staff[CLERK], ""),
            ADMIN: (staff[ADMIN], ""),
        },
        case=str(case),
    )


def shot_name(role: str, visit: Visit) -> str:
    """The screenshot's name: the role and the page ("public-cases-case-docket")."""
    page = visit.path.strip("/").replace("{case}", "case").replace("/", "-") or "home"
    return f"{role}-{page}"


NavItems = dict[str, tuple[bool, float, float, float]]  # name: rendered?, left, right, height


def nav_items(browser: EngineBrowser) -> NavItems:
    return {name: (shown, left, right, h) for name, shown, left, right, h in browser.js(NAV_ITEMS)}


def unreachable(items: NavItems, scrolls: bool, width: int, wanted: list[str]) -> list[str]:
    """The wanted navigation items not fully on screen at this width (or the page scrolls)."""
    missing = [
        name
        for name in wanted
        if name not in items
        or not items[name][0]
        or items[name][1] < 0
        or items[name][2] > width
        or items[name][3] < 24  # a target a finger can hit
    ]
    if scrolls:
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
        browser.goto(path)  # at the width the last page ended at: one resize a page
        assert "/login" not in browser.driver.current_url or path == "/login", (role, path)
        seen: dict[int, tuple[NavItems, bool]] = {}  # at each width: the items, scrolls?
        loaded_at = browser.viewport_width()
        for width in sorted(WIDTHS, key=lambda width: width != loaded_at):
            browser.viewport(width)
            seen[width] = (nav_items(browser), browser.js(SCROLLS_SIDEWAYS))
            browser.shot(shot_name(role, visit))
            if width != WIDE:
                continue
            violations = browser.axe()
            if violations:
                found[path] = violations
            problems = browser.page_problems()
            if problems:
                found[f"{path} (page)"] = problems
            unannounced = browser.js(UNANNOUNCED)
            if unannounced:
                found[f"{path} (not announced)"] = unannounced
        # Every navigation item rendered at 1280 px is on screen at 320 px too.
        wide = [name for name, (shown, *_) in seen[WIDE][0].items() if shown]
        assert wide, (browser.engine, path, "no navigation")
        wrong = {link for link, roles in STAFF_LINKS.items() if (link in wide) != (role in roles)}
        if wrong:
            found[f"{path} (staff links)"] = sorted(wrong)
        for width in WIDTHS[:-1]:
            missing = unreachable(*seen[width], width, wide)
            if missing:
                found[f"{path} at {width} px"] = missing
    if role == PUBLIC:  # the clerk's page, reached by its address, says why not
        browser.goto("/clerk")
        browser.wait_text("#clerk-message", "forbidden")
    assert found == {}, f"{browser.engine} as {role}: {found}"
