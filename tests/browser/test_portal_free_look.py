"""The free look from a notice of docket activity: a confirmation page, then the PDF once."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from portal_kit import Portal, check_page, shot, wait_until
from support.api import Api, efiler, file, petition
from support.pdf_corpus import text_10_pages

from services.stack.smtp_sink import read_messages
from services.stack.supervisor import LocalStack

FREE_LOOK = re.compile(r"/api/v1/free-looks/([A-Za-z0-9_\-]+)")


def free_look_token(stack: LocalStack, address: str, case_number: str) -> str | None:
    for message in read_messages(stack.maildir):
        if address in str(message["To"]) and message["X-OpenECF-Case"] == case_number:
            body = message.get_body(preferencelist=("plain",))
            found = FREE_LOOK.search(str(body.get_content())) if body else None
            if found:
                return found.group(1)
    return None


def test_a_free_look_asks_first_then_opens_the_document_once(
    portal: Portal, stack: LocalStack, edge_url: str, clerk: Api
) -> None:
    counsel = efiler(edge_url, clerk)
    filed = file(counsel, petition(), text_10_pages())
    assert filed.status_code == 201, filed.text
    path = f"/api/v1/filings/{filed.json()['filing_id']}"
    number = wait_until(
        lambda: (lambda s: s["case_number"] if s["status"] == "docketed" else None)(
            counsel.get(path).json()
        ),
        what="the petition docketed",
    )
    token = wait_until(
        lambda: free_look_token(stack, counsel.account["email"], number),
        timeout=30,
        what="the notice with its free-look link",
    )

    # No login needed: the link is the credential. Opening the page does not use it up.
    reader = portal.page()
    reader.goto(f"/free-looks/{token}")
    check_page(reader)
    look = reader.locator("#free-look")
    expect(look).to_contain_text(f"{number}, docket entry 1")
    expect(look).to_contain_text("lead.pdf (10 pages)")
    expect(look).to_contain_text(counsel.account["email"])
    reader.reload()
    expect(look).to_contain_text("opens the document once, free of charge")
    shot(reader, "free-look")

    with reader.expect_response(lambda r: r.request.method == "POST") as answer:
        reader.get_by_role("button", name="Open the document (uses this free look)").click()
    assert answer.value.status == 200
    assert answer.value.headers["content-type"] == "application/pdf"
    assert answer.value.headers["x-fee-cents"] == "0"

    reader.goto(f"/free-looks/{token}")
    message = reader.locator("#free-look-message")
    expect(message).to_contain_text("This free look cannot be used")
    expect(message).to_contain_text("(free_look_used)")
    shot(reader, "free-look-used")
