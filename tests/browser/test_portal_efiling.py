"""An attorney's way through the portal: register, approval, second factor, log in, file, read."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pyotp
from playwright.sync_api import Locator, Page, expect
from portal_kit import PASSWORD, Portal, check_page, log_in, next_code, shot, wait_until
from support.api import Api, efiler, file, mail_to, mailed_token, petition, unique
from support.pdf_corpus import CORPUS, text_1_page, text_10_pages

from services.stack.supervisor import LocalStack


def court_words(local_iso: str) -> str:
    """How the portal writes a court-local time: "Saturday, March 7, 2026 at 5:00 AM"."""
    moment = datetime.fromisoformat(local_iso)
    return moment.strftime("%A, %B %-d, %Y at %-I:%M %p")


def token_of(page: Page) -> str:
    token: str = page.evaluate("JSON.parse(sessionStorage.getItem('openecf.session')).token")
    return token


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_register_approve_enrol_log_in_file_a_petition_and_open_it(
    portal: Portal, staff: dict[str, str], edge_url: str, clerk: Api, stack: LocalStack
) -> None:
    username = unique("counsel")
    petitioner = unique("Maria Lopez ")

    # Register as an attorney and apply to e-file, in one form; the application goes out once
    # the address is confirmed through its mailed link.
    first = portal.page()
    first.goto("/")
    check_page(first)
    expect(first.locator("#status-panel")).to_contain_text("Open for e-filing")
    shot(first, "home")
    nav(first, "Register")
    check_page(first)
    first.get_by_label("An attorney admitted to the bar").check()
    first.get_by_label("Full name").fill("Ada Counsel")
    first.get_by_label("E-mail address").fill(f"{username}@example.org")
    first.get_by_label("Username").fill(username)
    first.get_by_label("Password").fill(PASSWORD)
    first.get_by_label("Bar number").fill("271828")
    first.get_by_label("Bar state").fill("ca")
    first.get_by_label("Firm or office").fill("Lovelace & Babbage LLP")
    expect(first.get_by_label(re.compile("^Apply to e-file once my address"))).to_be_checked()
    shot(first, "register")
    first.get_by_role("button", name="Register").click()
    expect(first.get_by_role("heading", name="Your account is ready")).to_be_visible()
    expect(first.locator("#registered-text")).to_contain_text("open it to confirm your address")
    expect(first.locator("#whoami")).to_contain_text("Ada Counsel")
    first.goto("/dashboard")
    expect(first.locator("#account-panel")).to_contain_text("not confirmed")
    expect(first.get_by_role("button", name="Apply to e-file")).to_have_count(0)
    mail = mail_to(stack.maildir, f"{username}@example.org", "Confirm your e-mail address")
    first.goto(f"/confirm-email?token={mailed_token(mail, 'confirm-email')}")
    check_page(first)
    first.get_by_role("button", name="Confirm this address").click()
    expect(first.locator("#confirm-message")).to_contain_text("Your address is confirmed")
    first.get_by_role("link", name="Go to your dashboard").click()
    expect(first.locator("#dash-message")).to_contain_text("Application sent")
    expect(first.locator("#account-panel")).to_contain_text("pending")
    expect(first.locator("#account-panel")).not_to_contain_text("not confirmed")

    # The clerk approves the application in the browser.
    office = portal.page()
    log_in(office, staff["clerk"])
    nav(office, "Clerk's Office")
    check_page(office)
    applicant = office.locator(f"#efilers-table tr[data-username='{username}']")
    expect(applicant).to_contain_text("271828 (CA)")
    shot(office, "clerk")
    applicant.get_by_role("button", name=re.compile(r"^Approve")).click()
    expect(office.locator("#clerk-message")).to_contain_text("Ada Counsel approved to e-file")
    expect(applicant).to_contain_text("approved")

    # The second factor: the secret and the otpauth address are shown as text.
    first.goto("/mfa")
    check_page(first)
    first.get_by_label("Your current password").fill(PASSWORD)
    first.get_by_role("button", name="Set up a second factor").click()
    expect(first.get_by_role("heading", name="1. Add the account")).to_be_focused()
    secret = first.locator("#mfa-secret").inner_text().replace(" ", "")
    uri = first.locator("#mfa-uri").inner_text()
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    shot(first, "mfa")
    first.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(secret).now())
    first.get_by_role("button", name="Confirm").click()
    expect(first.locator("#mfa-message")).to_contain_text("Second factor confirmed")

    # Log in from another browser: the code step, then "already logged in — continue?".
    second = portal.page()
    second.goto("/")
    nav(second, "Log in")
    check_page(second)
    second.get_by_label("Username").fill(username)
    second.get_by_label("Password").fill(PASSWORD)
    second.get_by_role("button", name="Log in").click()
    code = second.get_by_label("Authentication code")
    expect(code).to_be_visible()
    expect(code).to_be_focused()
    second.get_by_label("Authentication code").fill("000000")
    second.get_by_role("button", name="Log in").click()
    expect(second.locator("#login-message")).to_contain_text("invalid_otp")
    code.fill(next_code(secret))
    second.get_by_role("button", name="Log in").click()
    expect(second.get_by_role("heading", name="You may already be logged in")).to_be_visible()
    shot(second, "login-continue")
    second.get_by_role("button", name="Continue here").click()
    second.wait_for_url("**/dashboard")
    check_page(second)
    expect(second.locator("#account-panel")).to_contain_text("approved")
    expect(second.locator("#account-panel")).to_contain_text("set up")

    # File a petition: the check finds an unredacted SSN, then passes with a clean PDF.
    nav(second, "File a petition")
    check_page(second)
    second.get_by_label("Kind of petition").select_option("agency")
    second.get_by_label("Petitioner").fill(petitioner)
    second.get_by_label("Respondent").fill("Federal Communications Commission")
    expect(second.get_by_label("Case title")).to_have_value(
        f"{petitioner} v. Federal Communications Commission"
    )
    lead = second.get_by_label("The petition (lead document, PDF)")
    lead.set_input_files(
        {
            "name": "petition.pdf",
            "mimeType": "application/pdf",
            "buffer": CORPUS["ssn_unredacted"].make(),
        }
    )
    second.get_by_role("button", name="Check the filing").click()
    findings = second.locator("#findings")
    expect(findings).to_contain_text("cannot be filed")
    expect(findings).to_contain_text("pii_unredacted")
    expect(second.get_by_role("button", name="File the petition")).to_be_disabled()
    shot(second, "petition-findings")
    pdf = text_1_page()
    lead.set_input_files({"name": "petition.pdf", "mimeType": "application/pdf", "buffer": pdf})
    expect(findings).to_contain_text("check the filing again")
    second.get_by_role("button", name="Check the filing").click()
    expect(findings).to_contain_text("No problems found")
    second.get_by_role("button", name="File the petition").click()

    # The receipt, in court time (the browser runs on New York time), then docketed.
    receipt = second.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Receipt")).to_be_focused()
    filing_id = receipt.locator("code").first.inner_text()
    status = httpx.get(
        f"{edge_url}/api/v1/filings/{filing_id}",
        headers={"Authorization": f"Bearer {token_of(second)}"},
    ).json()
    received = second.locator("#received-at")
    expect(received).to_have_text(f"{court_words(status['received_at_local'])} (Pacific)")
    expect(receipt).to_contain_text("petition.pdf — lead, 1 page")
    expect(receipt).to_contain_text("Docketed as entry 1 in case", timeout=30_000)
    shot(second, "receipt")
    second.locator("#receipt-docket-link").click()
    second.wait_for_url(re.compile(r"/cases/\d{2}-\d+/docket$"))
    number = second.url.split("/")[-2]

    # The docket sheet: entry 1 with the petition, which its counsel opens free of charge.
    check_page(second)
    entry = second.locator("#entry-1")
    expect(entry).to_contain_text("Ada Counsel")
    opener = entry.locator("button.open-document")
    expect(opener).to_have_text("Open petition.pdf (1 page, no fee)")
    assert open_and_read(second, entry) == (len(pdf), "%PDF-")
    expect(entry.locator(".opened")).to_contain_text("fee $0.00")
    shot(second, "docket")

    # Case details, and the dashboard's cases and notices.
    second.goto(f"/cases/{number}")
    check_page(second)
    expect(second.get_by_role("heading", level=1)).to_contain_text(petitioner)
    expect(second.locator("#counsel")).to_contain_text("Ada Counsel")
    shot(second, "case")

    def notice_listed() -> bool:
        second.goto("/dashboard")
        expect(second.locator("#my-cases")).to_contain_text(number)
        return number in second.locator("#my-notices").inner_text()

    wait_until(notice_listed, timeout=30, what="the petition's notice on the dashboard")
    shot(second, "dashboard")

    # Someone else's agency case: any PACER user may open its documents, for a fee.
    other = efiler(edge_url, clerk)
    agency = docketed_case(other, petition(case_type="agency"), text_10_pages())
    second.goto(f"/cases/{agency}/docket")
    entry = second.locator("#entry-1")
    expect(entry.locator("button.open-document")).to_have_text(
        "Open lead.pdf (10 pages, fee $1.00)"
    )
    assert open_and_read(second, entry) == (len(text_10_pages()), "%PDF-")
    expect(entry.locator(".opened")).to_contain_text("fee $1.00")
    nav(second, "Billing")
    check_page(second)
    statement = second.locator("#statement")
    expect(statement).to_contain_text(agency)
    expect(statement).to_contain_text("$1.00")
    expect(second.locator("#amount-due")).to_contain_text("$0.00 (waived")
    shot(second, "billing")

    # A restricted (immigration) case: the docket says why its document is not available.
    immigration = docketed_case(other, petition(case_type="immigration"), text_1_page())
    second.goto(f"/cases/{immigration}/docket")
    denied = second.locator("#entry-1 li.denied")
    expect(denied).to_contain_text("not available to you")
    expect(denied).to_contain_text("only counsel of record and court staff")
    expect(denied).to_contain_text("(restricted_case)")
    assert second.locator("#entry-1 button.open-document").count() == 0
    shot(second, "docket-restricted")


def docketed_case(api: Api, metadata: dict[str, object], pdf: bytes) -> str:
    filed = file(api, metadata, pdf)
    assert filed.status_code == 201, filed.text
    path = f"/api/v1/filings/{filed.json()['filing_id']}"

    def case_number() -> str | None:
        status = api.get(path).json()
        return str(status["case_number"]) if status["status"] == "docketed" else None

    number: str = wait_until(case_number, what="the petition docketed")
    return number


def open_and_read(page: Page, entry: Locator) -> tuple[int, str]:
    """Open the entry's document; answer the size and first bytes of the PDF the page got."""
    with page.context.expect_page() as viewer:
        entry.locator("button.open-document").click()
    opened = entry.locator("a.opened-link")
    expect(opened).to_be_visible()
    href = opened.get_attribute("href") or ""
    assert href.startswith("blob:") and viewer.value.url == href  # the browser's PDF viewer
    viewer.value.close()
    size, magic = page.evaluate(
        """async (url) => {
            const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
            return [bytes.length, String.fromCharCode(...bytes.slice(0, 5))];
        }""",
        href,
    )
    return int(size), str(magic)
