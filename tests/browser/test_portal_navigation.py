"""The navigation never hides (320 px and 1280 px), works from the keyboard, shows focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from portal_kit import WIDTHS, Portal, check_page, log_in, shot
from support.api import register

FILING_LINKS = ("File a petition", "File in a case")
PUBLIC_PAGES = {
    "/": "home",
    "/login": "login",
    "/register": "register",
    "/forgot-password": "forgot-password",
    "/file/petition": "petition",
    "/file/case": "file-case",
}
LOGGED_IN_PAGES = {"/dashboard": "dashboard-public", "/cases": "cases", "/mfa": "mfa-start"}


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def assert_filing_links_reachable(page: Page, width: int) -> None:
    nav = page.get_by_role("navigation", name="Main")
    for name in FILING_LINKS:
        link = nav.get_by_role("link", name=name)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box, width)
        assert box["height"] >= 24, (name, box)  # a target a finger can hit
    assert no_horizontal_scroll(page), page.url


def focus_ring(page: Page) -> dict[str, str]:
    ring: dict[str, str] = page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow};
        }"""
    )
    return ring


@pytest.mark.parametrize("width", WIDTHS)
def test_the_filing_links_stay_visible_and_keyboard_operable(portal: Portal, width: int) -> None:
    page = portal.page(width=width)
    for path in PUBLIC_PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        check_page(page)
        assert_filing_links_reachable(page, width)

    # The skip link comes first and moves focus to the main content.
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Tabbing through the header reaches "File a petition", with a visible focus ring.
    page.goto("/")
    target = page.get_by_role("navigation", name="Main").get_by_role("link", name="File a petition")
    for _ in range(10):
        page.keyboard.press("Tab")
        if target.evaluate("(link) => link === document.activeElement"):
            break
    expect(target).to_be_focused()
    ring = focus_ring(page)
    assert ring["outline"] != "none" and ring["width"] != "0px", ring
    assert ring["shadow"] != "none", ring
    page.keyboard.press("Enter")
    page.wait_for_url("**/file/petition")
    expect(page.get_by_role("heading", level=1)).to_have_text("File a petition for review")


def test_every_page_at_both_widths(portal: Portal, edge_url: str) -> None:
    """Screenshots of the public and logged-in pages; no page scrolls sideways at 320 px."""
    page = portal.page()
    for path, name in PUBLIC_PAGES.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        shot(page, name)
    visitor, body = register(edge_url, "public")  # holds a session: the browser continues it
    log_in(page, body["username"])
    for path, name in LOGGED_IN_PAGES.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        check_page(page)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert_filing_links_reachable(page, width)
        shot(page, name)
    # A public user sees the staff links nowhere, and the clerk page says why not.
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Clerk's Office")).to_be_hidden()
    expect(nav.get_by_role("link", name="Maintenance")).to_be_hidden()
    page.goto("/clerk")
    expect(page.locator("#clerk-message")).to_contain_text("forbidden")
    del visitor
