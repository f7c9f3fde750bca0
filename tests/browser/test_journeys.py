"""Every journey in every engine, at 320 and 1280 px, through WebDriver: Chromium, Firefox ESR
and WebKitGTK run the same steps, on New York time (the portal must show the court's).

Each journey takes turns between the two widths step by step (Turns), and the width it starts
at rotates with the engine and the journey, so every journey sees both widths in every engine
and each step is at 320 px in some engine: one run of each (journey, engine) pair. After each
step the page keeps to its width and keeps what every page keeps (engines.page_problems);
Chromium takes a screenshot of it (test-output/screenshots/).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pyotp
from engines import ENGINES, SCROLLS_SIDEWAYS, WIDTHS, EngineBrowser
from portal_kit import PASSWORD, court_words, free_look_token, next_code
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from support.api import (
    Api,
    docketed,
    efiler,
    mail_to,
    mailed_token,
    notice_of_appearance,
    petition,
    received,
    register,
    unique,
    wait_for,
)
from support.paper_scans import scanned_letter
from support.pdf_corpus import CORPUS, text_1_page, text_10_pages
from support.stack import court_today

from services.stack.supervisor import LocalStack

JOURNEYS = (
    "account",
    "petition",
    "appearance",
    "free_look",
    "case_staff",
    "errors",
    "profile",
    "paper",
)


class Turns:
    """The viewport for the journey's next step: 320 and 1280 px in turn, from a start that
    rotates with the engine and the journey. Each step checks the page keeps to its width."""

    def __init__(self, browser: EngineBrowser, journey: str) -> None:
        self.browser = browser
        self.index = JOURNEYS.index(journey) + ENGINES.index(browser.engine)
        self.seen: list[int] = []

    def next(self) -> int:
        width = WIDTHS[self.index % len(WIDTHS)]
        self.index += 1
        self.seen.append(self.browser.viewport(width))
        return width

    def check_page(self, shot: str = "") -> None:
        """The page as it is now does not scroll sideways and keeps what every page keeps;
        with a name, Chromium keeps a screenshot of it."""
        where = (self.browser.engine, self.browser.driver.current_url)
        assert not self.browser.js(SCROLLS_SIDEWAYS), (*where, "scrolls sideways")
        assert self.browser.page_problems() == [], (*where, self.browser.page_problems())
        if shot:
            self.browser.shot(shot)


def plain_language(text: str) -> None:
    """A message a person can read: words first, at most a code in brackets, never raw JSON."""
    assert text.strip(), "no message"
    assert not re.search(r'[{}]|"(code|type|title|detail)"\s*:|problem\+json', text), text
    first = text.strip().split("(")[0]
    assert len(re.findall(r"[A-Za-z]{2,}", first)) >= 4, f"not a sentence: {text!r}"


def pdf_file(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def select(browser: EngineBrowser, css: str, value: str) -> None:
    Select(browser.find(css)).select_by_value(value)


def active_id(browser: EngineBrowser) -> str:
    return str(browser.js("return document.activeElement.id || document.activeElement.tagName"))


def session_token(browser: EngineBrowser) -> str:
    """The bearer token of the person logged in in this window (the portal keeps it there)."""
    token: str = browser.js("return JSON.parse(sessionStorage.getItem('openecf.session')).token")
    return token


def open_first_document(browser: EngineBrowser, entry: str) -> tuple[int, str]:
    """Open the entry's document; answer the size and first bytes of the PDF the page got.

    The page opens it in a new window (the browser's viewer); the test stays on the docket."""
    home = browser.driver.current_window_handle
    browser.find(f"{entry} button.open-document").click()
    link = browser.find(f"{entry} a.opened-link")
    href = str(link.get_attribute("href"))
    assert href.startswith("blob:"), href
    size, magic = browser.driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then((r) => r.arrayBuffer()).then((b) => {
            const bytes = new Uint8Array(b);
            done([bytes.length, String.fromCharCode(...bytes.slice(0, 5))]); });""",
        href,
    )
    for handle in browser.driver.window_handles:
        if handle != home:
            browser.driver.switch_to.window(handle)
            browser.driver.close()
    browser.driver.switch_to.window(home)
    return int(size), str(magic)


def test_register_confirm_be_approved_enrol_and_log_in_with_a_code(
    browser_in: EngineBrowser, staff: dict[str, str], stack: LocalStack
) -> None:
    browser, turns = browser_in, Turns(browser_in, "account")
    username = unique("counsel")
    email = f"{username}@example.org"

    # Register as an attorney, applying to e-file once the address is confirmed.
    turns.next()
    browser.goto("/register")
    for css, value in (
        ("#name", "Ada Counsel"),
        ("#email", email),
        ("#reg-username", username),
        ("#reg-password", PASSWORD),
        ("#bar-number", "271828"),
        ("#bar-state", "ca"),
        ("#firm", "Lovelace & Babbage LLP"),
    ):
        browser.find(css).send_keys(value)
    assert browser.find("#role-attorney").is_selected() and browser.find("#apply").is_selected()
    turns.check_page("register")
    browser.find("#register-submit").click()
    browser.wait_text("#registered", "Your account is ready")
    browser.wait_text("#registered-text", "open it to confirm your address")
    browser.wait_text("#whoami", "Ada Counsel")  # registering logs in

    # Until the address is confirmed, the application waits and cannot be sent by hand.
    turns.next()
    browser.goto("/dashboard")
    browser.wait_text("#account-panel", "not confirmed")
    assert not browser.visible("#apply-efile")
    turns.check_page("dashboard-unconfirmed")
    token = mailed_token(
        mail_to(stack.maildir, email, "Confirm your e-mail address"), "confirm-email"
    )
    browser.goto(f"/confirm-email?token={token}")
    browser.find("#confirm-submit").click()
    browser.wait_text("#confirm-message", "Your address is confirmed")
    browser.follow("#confirm-message a[href='/dashboard']", "/dashboard")
    browser.wait_text("#dash-message", "Application sent")
    browser.wait_text("#account-panel", "pending")
    assert "not confirmed" not in browser.text("#account-panel")
    turns.check_page()

    # The clerk approves the application (e-filer approvals).
    browser.log_out()
    turns.next()
    browser.log_in(staff["clerk"])
    browser.follow(".main-nav a[href='/clerk']", "/clerk")  # "Clerk's Office"
    row = f"#efilers-table tr[data-username='{username}']"
    browser.wait_text(row, "271828 (CA)")
    turns.check_page("clerk")
    browser.find(f"{row} button").click()
    browser.wait_text("#clerk-message", "Ada Counsel approved to e-file")
    browser.wait_text(row, "approved")

    # The second factor (the registration's session is still open: "continue?" first).
    browser.log_out()
    turns.next()
    browser.log_in(username)
    browser.goto("/mfa")
    browser.find("#mfa-password").send_keys(PASSWORD)
    browser.find("#mfa-begin").click()
    secret = browser.wait(lambda: browser.text("#mfa-secret").replace(" ", ""), what="secret")
    uri = browser.text("#mfa-uri")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri, uri
    # Focus on "1. Add the account": a screen reader goes on from there.
    browser.wait(lambda: active_id(browser) == "mfa-setup-heading", what="focus on step 1")
    turns.check_page("mfa")
    # This step's code: the login below uses the next one (a used step is refused).
    browser.find("#mfa-code").send_keys(pyotp.TOTP(secret).now())
    browser.find("#mfa-confirm-submit").click()
    browser.wait_text("#mfa-message", "Second factor confirmed")

    # Log in again: a wrong code is refused in words, the right one leads to "continue?".
    browser.log_out()
    turns.next()
    browser.goto("/login")
    browser.find("#username").send_keys(username)
    browser.find("#password").send_keys(PASSWORD)
    browser.find("#login-submit").click()
    browser.wait(lambda: browser.visible("#otp-field"), what="the code asked for")
    browser.wait(lambda: active_id(browser) == "otp", what="focus on the code field")
    browser.find("#otp").send_keys("000000")
    browser.find("#login-submit").click()
    browser.wait_text("#login-message", "(invalid_otp)")
    plain_language(browser.text("#login-message"))
    code = browser.find("#otp")
    code.clear()
    code.send_keys(next_code(secret))
    browser.find("#login-submit").click()
    browser.wait(lambda: browser.visible("#continue-step"), what="already logged in?")
    browser.wait_text("#continue-heading", "You may already be logged in")
    turns.check_page("login-continue")
    browser.find("#continue-yes").click()
    browser.wait(lambda: browser.driver.current_url.endswith("/dashboard"), what="dashboard")
    browser.settled()
    browser.wait_text("#account-panel", "approved")
    browser.wait_text("#account-panel", "set up")
    assert sorted(set(turns.seen)) == sorted(WIDTHS)


def test_file_a_petition_read_the_docket_open_the_document_and_see_notices_and_billing(
    browser_in: EngineBrowser, edge_url: str, clerk: Api, tmp_path: Path
) -> None:
    browser, turns = browser_in, Turns(browser_in, "petition")
    counsel = efiler(edge_url, clerk, name="Ada Counsel")
    other = efiler(edge_url, clerk)
    agency = docketed(other, petition(case_type="agency"), text_10_pages())
    immigration = docketed(other, petition(case_type="immigration"), text_1_page())
    petitioner = unique("Maria Lopez ")

    turns.next()
    browser.log_in(counsel.account["username"], secret=counsel.totp_secret or "")
    browser.follow(".main-nav a[href='/file/petition']", "/file/petition")
    select(browser, "#case-type", "agency")
    browser.find("#petitioner").send_keys(petitioner)
    browser.find("#respondent").send_keys("Federal Communications Commission")
    browser.wait(
        lambda: (
            browser.find("#title").get_attribute("value")
            == f"{petitioner} v. Federal Communications Commission"
        ),
        what="the title from the parties",
    )
    # The PDF is checked first: an unredacted SSN is a finding, in words.
    ssn = pdf_file(tmp_path, "petition.pdf", CORPUS["ssn_unredacted"].make())
    browser.find("#lead").send_keys(ssn)
    browser.find("#check").click()
    browser.wait_text("#findings", "cannot be filed")
    browser.wait_text("#findings", "(pii_unredacted)")
    plain_language(browser.text("#findings"))
    assert browser.find("#findings").get_attribute("aria-live") == "polite"
    assert not browser.find("#submit").is_enabled()
    turns.check_page("petition-findings")

    turns.next()
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    browser.find("#lead").send_keys(pdf_file(clean_dir, "petition.pdf", text_1_page()))
    browser.wait_text("#findings", "check the filing again")
    browser.find("#check").click()
    browser.wait_text("#findings", "No problems found")
    browser.find("#submit").click()
    browser.wait_text("#receipt", "petition.pdf — lead, 1 page")
    browser.wait(lambda: active_id(browser) == "receipt-heading", what="focus on the receipt")
    # The time received in the court's words and zone, though the browser runs on New York's.
    filing_id = browser.text("#receipt code").strip()
    status = httpx.get(
        f"{edge_url}/api/v1/filings/{filing_id}",
        headers={"Authorization": f"Bearer {session_token(browser)}"},
        timeout=30,
    ).json()
    received = f"{court_words(status['received_at_local'])} (Pacific)"
    assert browser.text("#received-at").strip() == received, browser.text("#received-at")
    browser.wait_text("#receipt", "Docketed as entry 1 in case", timeout=30)
    turns.check_page("receipt")

    # The docket sheet, and the document (counsel of record: no fee).
    turns.next()
    browser.find("#receipt-docket-link").click()
    browser.wait(lambda: re.search(r"/cases/\d{2}-\d+/docket$", browser.driver.current_url))
    browser.settled()
    number = browser.driver.current_url.split("/")[-2]
    browser.wait_text("#entry-1", "Ada Counsel")
    browser.wait_text("#entry-1 button.open-document", "Open petition.pdf (1 page, no fee)")
    assert open_first_document(browser, "#entry-1") == (len(text_1_page()), "%PDF-")
    browser.wait_text("#entry-1 .opened", "fee $0.00")
    turns.check_page("docket")

    # The case, with the fee status the clerk recorded: counsel sees it, and no form to change it.
    recorded = clerk.request(
        "PUT", f"/api/v1/clerk/cases/{number}/fee-status", json={"fee_status": "ifp_granted"}
    )
    assert recorded.status_code == 200, recorded.text
    turns.next()
    browser.goto(f"/cases/{number}")
    browser.wait_text("main h1", petitioner)
    browser.wait_text("#counsel", "Ada Counsel")
    browser.wait_text("#fee-status-value", "IFP granted")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "#fee-status-save")
    turns.check_page("case")

    def notice_listed() -> bool:
        browser.goto("/dashboard")
        browser.wait_text("#my-cases", number)
        return number in browser.text("#my-notices")

    turns.next()
    browser.wait(notice_listed, timeout=30, what="the petition's notice on the dashboard")
    turns.check_page("dashboard")

    # Someone else's agency case: its document costs a fee, which billing lists.
    turns.next()
    browser.goto(f"/cases/{agency}/docket")
    browser.wait_text("#entry-1 button.open-document", "Open lead.pdf (10 pages, fee $1.00)")
    assert open_first_document(browser, "#entry-1") == (len(text_10_pages()), "%PDF-")
    browser.wait_text("#entry-1 .opened", "fee $1.00")
    turns.next()
    browser.follow(".main-nav a[href='/billing']", "/billing")
    browser.wait_text("#statement", agency)
    browser.wait_text("#statement", "$1.00")
    browser.wait_text("#amount-due", "$0.00 (waived")
    turns.check_page("billing")

    # A restricted (immigration) case she is not counsel in: the docket says why not, in words.
    turns.next()
    browser.goto(f"/cases/{immigration}/docket")
    denied = "#entry-1 li.denied"
    browser.wait_text(denied, "not available to you")
    browser.wait_text(denied, "only counsel of record and court staff")
    browser.wait_text(denied, "(restricted_case)")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "#entry-1 button.open-document")
    turns.check_page("docket-restricted")
    assert sorted(set(turns.seen)) == sorted(WIDTHS)


def test_file_an_appearance_and_the_clerk_accepts_it_and_rejects_another_with_a_reason(
    browser_in: EngineBrowser, staff: dict[str, str], edge_url: str, clerk: Api, tmp_path: Path
) -> None:
    browser, turns = browser_in, Turns(browser_in, "appearance")
    number = docketed(efiler(edge_url, clerk), petition(), text_1_page())
    government = efiler(edge_url, clerk, name="Gina Government")
    latecomer = efiler(edge_url, clerk, name="Lee Latecomer")
    other = notice_of_appearance(number, "Amicus Society", "amicus")
    other_id = received(latecomer, other, text_1_page())["filing_id"]

    turns.next()
    browser.log_in(government.account["username"], secret=government.totp_secret or "")
    browser.follow(".main-nav a[href='/file/case']", "/file/case")  # "File in a case"
    browser.find("#case-number").send_keys(number)
    select(browser, "#filing-type", "notice_of_appearance")
    browser.find("#party-name").send_keys("Federal Agency")
    select(browser, "#party-role", "respondent")
    browser.find("#lead").send_keys(pdf_file(tmp_path, "appearance.pdf", text_1_page()))
    browser.find("#check").click()
    browser.wait_text("#findings", "No problems found")
    turns.check_page("file-case")
    browser.find("#submit").click()
    browser.wait_text("#receipt", "Waiting for the Clerk's Office")
    filing_id = browser.text("#receipt code").strip()

    # The Clerk's Office, in another window: the lawyer's receipt stays open in the first.
    lawyer = browser.driver.current_window_handle
    browser.open_window()
    turns.next()
    browser.log_in(staff["clerk"])
    row = f"#queue-table tr[data-filing-id='{filing_id}']"

    def queued() -> bool:  # the queue is read once per page
        browser.goto("/clerk")
        return number in browser.text(row)

    browser.wait(queued, timeout=30, what="the appearance in the clerk's queue")
    browser.wait_text(row, "notice of appearance by Gina Government")
    turns.check_page("clerk-queue")
    browser.find(f"{row} button.accept").click()
    browser.wait_text(row, "accepted")

    turns.next()
    rejected = f"#queue-table tr[data-filing-id='{other_id}']"
    browser.find(f"{rejected} button.danger").click()  # no reason yet: asked for, not sent
    reason = browser.find(f"#reason-{other_id}")
    assert browser.js("return arguments[0].validity.valueMissing", reason)
    reason.send_keys("Not admitted to this court's bar")
    browser.find(f"{rejected} button.danger").click()
    browser.wait_text(rejected, "rejected")
    turns.check_page()
    status = wait_for(
        lambda: (lambda s: s if s["status"] == "rejected" else None)(
            latecomer.get(f"/api/v1/filings/{other_id}").json()
        ),
        what="the rejection recorded",
    )
    assert status["reject_reason"] == "Not admitted to this court's bar"

    # The lawyer's receipt follows the decision by itself; the case lists her, not the other.
    browser.switch_to(lawyer)
    turns.next()
    browser.wait_text("#receipt-status", "Docketed as entry", timeout=30)
    turns.check_page()
    browser.goto(f"/cases/{number}")
    browser.wait_text("#counsel", "Gina Government")
    browser.wait_text("#counsel", "for Federal Agency")
    assert "Lee Latecomer" not in browser.text("#counsel")
    assert sorted(set(turns.seen)) == sorted(WIDTHS)


def test_a_free_look_asks_first_then_opens_the_document_once(
    browser_in: EngineBrowser, stack: LocalStack, edge_url: str, clerk: Api
) -> None:
    browser, turns = browser_in, Turns(browser_in, "free_look")
    counsel = efiler(edge_url, clerk)
    number = docketed(counsel, petition(), text_10_pages())
    token = wait_for(
        lambda: free_look_token(stack, counsel.account["email"], number),
        timeout=30,
        what="the notice with its free-look link",
    )

    turns.next()
    browser.goto(f"/free-looks/{token}")  # no login: the link is the credential
    browser.wait_text("#free-look", f"{number}, docket entry 1")
    browser.wait_text("#free-look", "lead.pdf (10 pages)")
    browser.wait_text("#free-look", counsel.account["email"])
    browser.goto(f"/free-looks/{token}")  # seeing the page again: it did not use the link
    browser.wait_text("#free-look", "opens the document once, free of charge")
    turns.check_page("free-look")
    browser.find("#use-free-look").click()  # a form POST: the PDF opens (or downloads)

    turns.next()

    def used() -> bool:
        browser.goto(f"/free-looks/{token}")
        return "(free_look_used)" in browser.text("#free-look-message")

    browser.wait(used, timeout=20, what="the free look used up")
    browser.wait_text("#free-look-message", "This free look cannot be used")
    plain_language(browser.text("#free-look-message"))
    turns.check_page("free-look-used")
    assert sorted(set(turns.seen)) == sorted(WIDTHS)


def test_the_clerk_records_a_fee_status_and_seals_an_entry_and_failures_are_listed(
    browser_in: EngineBrowser, staff: dict[str, str], edge_url: str, clerk: Api, admin: Api
) -> None:
    browser, turns = browser_in, Turns(browser_in, "case_staff")
    counsel = efiler(edge_url, clerk)
    number = docketed(counsel, petition(), text_1_page())
    marker = unique("Bz")
    bar = str(uuid.uuid4().int)[:7]
    _, houston = register(
        edge_url, "attorney", name=f"Charles {marker} Houston", bar_number=bar, bar_state="DC"
    )
    note = unique("outage ")
    recorded = admin.post(
        "/api/v1/admin/technical-failures",
        json={
            "started_at": "2026-02-10T08:00:00",
            "ended_at": "2026-02-10T09:30:00",
            "unavailable": "the whole site",
            "note": note,
        },
    )
    assert recorded.status_code == 201, recorded.text

    turns.next()
    browser.log_in(staff["clerk"])
    browser.goto(f"/cases/{number}")
    browser.wait_text("#fee-status-value", "Not recorded")
    select(browser, "#fee-status-choice", "ifp_granted")
    browser.find("#fee-status-save").click()
    browser.wait_text("#fee-status-value", "IFP granted")
    turns.check_page("case-fee-status")
    assert counsel.get(f"/api/v1/cases/{number}").json()["fee_status"] == "ifp_granted"

    # Sealing: the entry's text and documents become court-staff only.
    turns.next()
    browser.goto("/clerk")
    browser.find("#seal-case").send_keys(number)
    browser.find("#seal-entry").send_keys("1")
    browser.find("#seal-submit").click()
    browser.wait_text("#clerk-message", f"Entry 1 in {number} is sealed")
    turns.check_page()
    browser.goto(f"/cases/{number}/docket")
    browser.wait_text("#entry-1", "[Sealed]")

    # Technical failures: public, in court time.
    browser.log_out()
    turns.next()
    browser.goto("/technical-failures")
    browser.wait_text("#technical-failures", f"the whole site unavailable ({note})")
    browser.wait_text("#technical-failures", "8:00")
    turns.check_page("technical-failures")

    # The bar search, from the footer of any page: public fields only, no login.
    turns.next()
    browser.follow(".site-footer a[href='/attorneys']", "/attorneys")
    browser.find("#bar-name").send_keys(marker)
    browser.find("#bar-search-form button[type=submit]").click()
    browser.wait_text("#attorneys-table", f"Charles {marker} Houston")
    browser.wait_text("#attorneys-table", bar)
    browser.wait_text("#attorneys-table", "Not registered")
    assert houston["email"] not in browser.driver.page_source
    turns.check_page("bar-search")
    browser.goto(f"/attorneys?bar_number={bar}&state=dc")
    browser.wait(lambda: browser.text("#attorneys-results"), what="the search answered")
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "#attorneys-table tbody tr")) == 1
    assert sorted(set(turns.seen)) == sorted(WIDTHS)


def test_the_api_errors_read_as_sentences_next_to_the_form(
    browser_in: EngineBrowser, staff: dict[str, str], edge_url: str, clerk: Api, tmp_path: Path
) -> None:
    """A wrong password, a fee status the API refuses, a file that is no PDF: words at the
    top of the form, the code in brackets at most, never the problem+json itself."""
    browser, turns = browser_in, Turns(browser_in, "errors")
    counsel = efiler(edge_url, clerk)
    number = docketed(counsel, petition(), text_1_page())

    turns.next()
    browser.goto("/login")
    browser.find("#username").send_keys(staff["clerk"])
    browser.find("#password").send_keys("not the password at all")
    browser.find("#login-submit").click()
    browser.wait(lambda: browser.visible("#login-message.error"), what="the login refused")
    plain_language(browser.text("#login-message"))
    turns.check_page()

    # A fee status the form never offers (as from a stale page): the API's 400, in words.
    turns.next()
    browser.log_in(staff["clerk"])
    browser.goto(f"/cases/{number}")
    choice = browser.find("#fee-status-choice")
    browser.js("arguments[0].add(new Option('Refunded', 'refunded', true, true))", choice)
    browser.find("#fee-status-save").click()
    browser.wait(lambda: browser.visible("#case-message.error"), what="the fee status refused")
    plain_language(browser.text("#case-message"))
    browser.wait_text("#fee-status-value", "Not recorded")
    turns.check_page()

    # A file that is not a PDF, checked before filing.
    browser.log_out()
    turns.next()
    browser.log_in(counsel.account["username"], secret=counsel.totp_secret or "")
    browser.goto("/file/petition")
    browser.find("#petitioner").send_keys("Pat Petitioner")
    browser.find("#respondent").send_keys("Federal Agency")
    browser.find("#lead").send_keys(pdf_file(tmp_path, "notes.pdf", b"just some words\n" * 40))
    browser.find("#check").click()
    browser.wait(
        lambda: (
            "cannot be filed" in browser.text("#findings")
            or browser.visible("#filing-message.error")
        ),
        what="the file refused",
    )
    shown = browser.text("#findings") + browser.text("#filing-message")
    plain_language(shown)
    assert not browser.find("#submit").is_enabled()
    turns.check_page()
    assert sorted(set(turns.seen)) == sorted(WIDTHS)


def test_change_the_address_with_a_step_up_then_confirm_it_by_its_link(
    browser_in: EngineBrowser, edge_url: str, stack: LocalStack
) -> None:
    """The profile: a firm saved as it is; a new e-mail address only with the password again
    (the step-up), and it takes effect only through the link mailed to it."""
    browser, turns = browser_in, Turns(browser_in, "profile")
    _, person = register(edge_url, "public")  # its session stays open: "continue?" first
    moved = f"{unique('moved')}@example.org"

    turns.next()
    browser.log_in(person["username"])
    browser.goto("/dashboard")
    browser.find("#profile-link").click()
    browser.wait(lambda: browser.driver.current_url.endswith("/profile"), what="the profile")
    browser.settled()
    browser.wait(lambda: browser.visible("#profile-form"), what="the profile form")
    browser.wait_text("#profile-state", person["email"])
    firm = browser.find("#profile-firm")
    firm.clear()
    firm.send_keys("Hopper & Partners")
    browser.find("#profile-save").click()
    browser.wait_text("#profile-message", "Your profile is saved")
    turns.check_page()

    # A new address: the password is asked for before anything is sent.
    turns.next()
    email = browser.find("#profile-email")
    email.clear()
    email.send_keys(moved)
    browser.find("#profile-save").click()
    password = browser.find("#profile-password")
    assert browser.js("return arguments[0].validity.valueMissing", password)
    password.send_keys("not my password at all")
    browser.find("#profile-save").click()
    browser.wait(lambda: browser.visible("#profile-message.error"), what="the step-up refused")
    plain_language(browser.text("#profile-message"))
    password.clear()
    password.send_keys(PASSWORD)
    browser.find("#profile-save").click()
    browser.wait_text("#profile-message", f"We sent a link to {moved}")
    browser.wait_text("#profile-state", person["email"])  # unchanged until the link is used
    turns.check_page()

    # The link in the mail to the new address confirms it.
    turns.next()
    token = mailed_token(
        mail_to(stack.maildir, moved, "Confirm your e-mail address"), "confirm-email"
    )
    browser.goto(f"/confirm-email?token={token}")
    browser.find("#confirm-submit").click()
    browser.wait_text("#confirm-message", "Your address is confirmed")
    browser.goto("/profile")
    browser.wait_text("#profile-state", moved)
    browser.wait_text("#profile-state", "confirmed")
    assert browser.find("#profile-firm").get_attribute("value") == "Hopper & Partners"
    turns.check_page()
    assert sorted(set(turns.seen)) == sorted(WIDTHS)


def test_the_clerk_dockets_a_scanned_paper_filing_and_serves_a_party_by_mail(
    browser_in: EngineBrowser, staff: dict[str, str], edge_url: str, clerk: Api, tmp_path: Path
) -> None:
    browser, turns = browser_in, Turns(browser_in, "paper")
    counsel = efiler(edge_url, clerk)
    number = docketed(counsel, petition(), text_1_page())

    # The scan has no text layer; the receipt follows it until OCR and the checks docket it.
    turns.next()
    browser.log_in(staff["clerk"])
    browser.goto("/clerk")
    browser.follow("main a[href='/clerk/paper-filings']", "/clerk/paper-filings")
    browser.find("#case-number").send_keys(number)
    select(browser, "#filing-type", "letter")
    browser.find("#filer-party").send_keys("A. Petitioner")
    # The court's date, not the browser's (its zone is New York's; the court's, Pacific).
    browser.wait(
        lambda: browser.find("#received-on").get_attribute("value") == court_today().isoformat(),
        what="the received day set to the court's date",
    )
    scan = scanned_letter(["LETTER TO THE COURT", "I ask for more time to reply."])
    browser.find("#lead").send_keys(pdf_file(tmp_path, "letter.pdf", scan))
    turns.check_page("paper-filing")
    browser.find("#submit").click()
    # A receipt, or the refusal at once (not three minutes of waiting for a receipt).
    browser.wait(
        lambda: (
            "receipt" in browser.text("#receipt").casefold()
            or browser.text("#filing-message").strip()
        ),
        timeout=180,
        what="a receipt or a refusal",
    )
    assert not browser.text("#filing-message").strip(), browser.text("#filing-message")
    browser.wait_text("#receipt", "Receipt")
    browser.wait_text("#receipt-status", "docketed", timeout=120)
    turns.check_page()

    # Paper service due: the respondent has no counsel and no e-mail; the packet, then served.
    turns.next()
    browser.goto("/clerk/paper-service")
    browser.wait_text("#paper-service", number)
    browser.wait_text("#paper-service", "Federal Agency")
    label = f'[aria-label*="Federal Agency, entry 2 in {number}"]'
    browser.find(f'button[aria-label^="Print packet for"]{label}').click()
    browser.wait_text(f"tr:has(button{label}) [role=status]", "Packet ready", timeout=60)
    turns.check_page("paper-service")
    row = browser.find(f"tr:has(button{label})")  # the button goes once it is marked
    browser.find(f'button[aria-label^="Mark served:"]{label}').click()
    browser.wait_text("#paper-service-message", "marked served")
    browser.wait(lambda: "served" in row.text.casefold(), what="the row marked served")
    assert sorted(set(turns.seen)) == sorted(WIDTHS)
