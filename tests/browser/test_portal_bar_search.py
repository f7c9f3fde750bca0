"""The bar search page works logged out, from the footer, and shows only public fields."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from portal_kit import Portal, check_page, shot
from support.api import register, unique


def test_someone_logged_out_finds_an_attorney_from_the_footer(
    portal: Portal, edge_url: str
) -> None:
    marker = unique("Bz")
    bar = str(uuid.uuid4().int)[:7]
    _, body = register(
        edge_url, "attorney", name=f"Charles {marker} Houston", bar_number=bar, bar_state="DC"
    )
    page = portal.page(width=320)
    page.goto("/register")
    page.get_by_role("contentinfo").get_by_role("link", name="Bar search").click()
    page.wait_for_url("**/attorneys")
    check_page(page)
    page.get_by_label("Name").fill(marker)
    page.get_by_role("button", name="Search").click()
    table = page.locator("#attorneys-table")
    expect(table).to_contain_text(f"Charles {marker} Houston")
    expect(table).to_contain_text(bar)
    expect(table).to_contain_text("Not registered")
    assert body["email"] not in page.content()
    shot(page, "bar-search")

    page.goto(f"/attorneys?bar_number={bar}&state=dc")
    expect(page.locator("#attorneys-table tbody tr")).to_have_count(1)
