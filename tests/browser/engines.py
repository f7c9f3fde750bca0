"""The portal in the three engines the court supports, through WebDriver (Selenium).

Chromium (chromedriver), Firefox ESR (geckodriver) and WebKitGTK, Safari's engine
(WebKitWebDriver, under an Xvfb display of the session's own). All come from Debian's packages
except geckodriver (crates.io) and axe-core (npm); `make test` installs them.

Every engine runs on New York time (not the court's Pacific time), so a page that showed the
browser's time instead of the court's would fail. The JavaScript errors of every test fail it
(`js_errors`), and `page_problems` is what every page keeps (a language, a skip link, one main
heading, labelled controls).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portal_kit import CHROMIUM, CHROMIUM_ARGS, PASSWORD, REPO, next_code
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

ENGINES = ("chromium", "firefox", "webkit")
# Resolves once the page has loaded and no resource has finished for 200 ms (looked at every
# 50 ms in the page).
SETTLED = """const done = arguments[arguments.length - 1];
let last = -1, since = performance.now();
(function look() {
    const count = document.readyState === 'complete'
        ? performance.getEntriesByType('resource').length : -1;
    const now = performance.now();
    if (count < 0 || count !== last) { last = count; since = now; }
    else if (now - since >= 200) { done(true); return; }
    setTimeout(look, 50);
})();"""
TOOLS = REPO / ".openecf" / "tools"
CHROMEDRIVER = Path(os.environ.get("OPENECF_CHROMEDRIVER", "/usr/bin/chromedriver"))
FIREFOX = Path(os.environ.get("OPENECF_FIREFOX", "/usr/bin/firefox-esr"))
GECKODRIVER = Path(os.environ.get("OPENECF_GECKODRIVER", TOOLS / "bin" / "geckodriver"))
WEBKIT_DRIVER = Path(os.environ.get("OPENECF_WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver"))
# WebKitGTK in a window without a toolbar (MiniBrowser's keeps the viewport >= 447 px wide).
WEBKIT_SHELL = Path(__file__).with_name("webkit_shell.py")
WEBKIT_BINDINGS = Path("/usr/lib/x86_64-linux-gnu/girepository-1.0/WebKit2-4.1.typelib")
XVFB = Path("/usr/bin/Xvfb")
AXE = Path(
    os.environ.get("OPENECF_AXE", TOOLS / "axe" / "node_modules" / "axe-core" / "axe.min.js")
)
# WCAG 2.1 level AA: what the court promises (and the issue asks for).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT = 20.0
WIDTHS = (320, 1280)
HEIGHT = 900
# The browsers' zone: not the court's (America/Los_Angeles), so court time is really tested.
BROWSER_ZONE = "America/New_York"
SCREENSHOTS = REPO / "test-output" / "screenshots"
SCROLLS_SIDEWAYS = "return document.documentElement.scrollWidth > window.innerWidth"

# What every page keeps: a language, one skip link to the main content, one main heading, and a
# label on every visible form control.
PAGE_PROBLEMS = """const problems = [];
const lang = document.documentElement.getAttribute('lang');
if (lang !== 'en') problems.push(`lang is ${lang}`);
const skips = document.querySelectorAll("a.skip-link[href='#main']").length;
if (skips !== 1) problems.push(`${skips} skip links`);
const headings = document.querySelectorAll('main h1').length;
if (headings !== 1) problems.push(`${headings} main h1`);
for (const e of document.querySelectorAll('input, select, textarea')) {
    if (e.type === 'hidden' || e.getClientRects().length === 0) continue;
    if (!(e.labels && e.labels.length) && !e.getAttribute('aria-label')) {
        problems.push(`no label: ${e.id || e.name || e.outerHTML.slice(0, 80)}`);
    }
}
return problems;"""


def require(path: Path, how: str) -> None:
    if not path.exists():
        raise AssertionError(f"{path} is missing: {how}")


@contextmanager
def xvfb() -> Iterator[str]:
    """An X display for WebKitGTK (it has no headless mode): a free number, chosen by Xvfb."""
    require(XVFB, "`make browser-tools` installs Debian's xvfb")
    read, write = os.pipe()
    server = subprocess.Popen(
        [str(XVFB), "-displayfd", str(write), "-screen", "0", "1600x1200x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as answer:
            number = answer.readline().strip()  # written once the server accepts clients
        if not number:
            raise AssertionError(f"Xvfb did not start (exit {server.poll()})")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def launch(engine: str, display: Callable[[], str], scratch: Path) -> tuple[WebDriver, Path | None]:
    """The engine's driver and browser, with the file WebKitGTK's shell writes its pages'
    errors to (the other engines report them through their drivers)."""
    # Each driver passes its environment on.
    zone = {**os.environ, "TZ": BROWSER_ZONE, "TMPDIR": str(scratch)}
    driver: WebDriver
    webkit_errors: Path | None = None
    if engine == "chromium":
        require(CHROMEDRIVER, "`make packages` installs Debian's chromium-driver")
        chrome = webdriver.ChromeOptions()
        chrome.binary_location = str(CHROMIUM)
        for argument in [*CHROMIUM_ARGS, "--headless=new", f"--window-size=1280,{HEIGHT}"]:
            chrome.add_argument(argument)
        chrome.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})  # for js_errors
        driver = webdriver.Chrome(
            options=chrome, service=webdriver.ChromeService(str(CHROMEDRIVER), env=zone)
        )
    elif engine == "firefox":
        require(GECKODRIVER, "`make browser-tools` builds geckodriver from crates.io")
        firefox = webdriver.FirefoxOptions()
        firefox.binary_location = str(FIREFOX)
        firefox.add_argument("-headless")
        # WebDriver BiDi: its browsingContext.setViewport sets the page's viewport to any size
        # (headless Firefox's window itself stops at 500 px wide); its log events carry the
        # page's errors.
        firefox.enable_bidi = True
        firefox.set_preference("intl.accept_languages", "en-US")
        firefox.set_preference("browser.shell.checkDefaultBrowser", False)
        driver = webdriver.Firefox(
            options=firefox,
            service=webdriver.FirefoxService(
                str(GECKODRIVER), log_output=subprocess.DEVNULL, env=zone
            ),
        )
    elif engine == "webkit":
        require(WEBKIT_DRIVER, "`make packages` installs Debian's webkit2gtk-driver")
        require(WEBKIT_BINDINGS, "`make packages` installs Debian's gir1.2-webkit2-4.1")
        webkit = webdriver.WebKitGTKOptions()
        webkit.binary_location = str(WEBKIT_SHELL)
        webkit.set_capability("browserName", "openecf-webkit")  # the shell's name for itself
        webkit.add_argument("--automation")
        # WebKitWebDriver has no log to read: the shell writes the pages' errors to this file.
        webkit_errors = scratch / "page-errors.log"
        webkit_errors.touch()
        env = {**zone, "DISPLAY": display(), "OPENECF_WEBKIT_ERRORS": str(webkit_errors)}
        driver = webdriver.WebKitGTK(
            options=webkit,
            service=webdriver.WebKitGTKService(str(WEBKIT_DRIVER), env=env),
        )
    else:
        raise ValueError(f"unknown engine {engine!r}")
    return driver, webkit_errors


def start(engine: str, display: Callable[[], str], base_url: str) -> EngineBrowser:
    """A fresh browser of that engine (a temporary profile the driver removes on quit), on New
    York time, with its JavaScript errors collected."""
    # The driver and its browser keep their temporary files in a folder of their own, removed
    # on quit: Chromium leaves its singleton socket's folder in TMPDIR otherwise.
    scratch = Path(tempfile.mkdtemp(prefix=f"openecf-{engine}-"))
    try:
        driver, webkit_errors = launch(engine, display, scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    driver.set_script_timeout(TIMEOUT)
    driver.set_page_load_timeout(TIMEOUT * 2)
    browser = EngineBrowser(
        engine=engine,
        driver=driver,
        base_url=base_url,
        scratch=scratch,
        webkit_errors=webkit_errors,
    )
    try:
        browser.goto("/static/portal.css")  # any page of the portal's origin, to ask its zone
        seen = browser.js("return Intl.DateTimeFormat().resolvedOptions().timeZone")
        assert seen == BROWSER_ZONE, f"{engine} runs on {seen}, not {BROWSER_ZONE}"
        browser.log_out()
    except BaseException:
        browser.quit()
        raise
    return browser


def version(driver: WebDriver) -> str:
    caps = driver.capabilities
    return f"{caps.get('browserName')} {caps.get('browserVersion')}"


@dataclass
class EngineBrowser:
    """One engine's browser, shared by the tests of a session: each test starts logged out."""

    engine: str
    driver: WebDriver
    base_url: str
    scratch: Path  # the driver's and browser's temporary files, removed on quit
    webkit_errors: Path | None = None  # where the WebKitGTK shell writes the pages' errors
    reported: list[str] = field(default_factory=list)  # errors not yet answered by js_errors
    webkit_read: int = 0  # how far webkit_errors has been read
    first_window: str = ""

    def __post_init__(self) -> None:
        self.first_window = self.driver.current_window_handle
        if self.engine == "firefox":
            # BiDi's log.entryAdded: uncaught exceptions, unhandled rejections, console.error.
            self.driver.script.add_javascript_error_handler(self.firefox_error)
            self.driver.script.add_console_message_handler(self.firefox_console)

    def firefox_error(self, entry: Any) -> None:
        self.reported.append(str(entry.text))

    def firefox_console(self, entry: Any) -> None:
        if entry.level == "error":
            self.reported.append(f"console.error: {entry.text}")

    def quit(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def js_errors(self) -> list[str]:
        """The pages' JavaScript errors since the last call: uncaught exceptions, unhandled
        rejections and console.error (the portal logs there only errors of its own code, not
        the API's refusals)."""
        if self.engine == "chromium":
            self.reported.extend(
                entry["message"]
                for entry in self.driver.get_log("browser")
                if entry["level"] == "SEVERE" and entry.get("source") != "network"
            )
        elif self.webkit_errors:
            with self.webkit_errors.open(encoding="utf-8") as log:
                log.seek(self.webkit_read)
                self.reported.extend(line.rstrip("\n") for line in log)
                self.webkit_read = log.tell()
        errors, self.reported = self.reported, []
        return errors

    def page_problems(self) -> list[str]:
        """What the page as it is now lacks of what every page keeps (PAGE_PROBLEMS)."""
        problems: list[str] = self.js(PAGE_PROBLEMS)
        return problems

    def shot(self, name: str) -> None:
        """A screenshot of the viewport as test-output/screenshots/<name>-<width>.png, in
        Chromium only. Not the full page: Chromium's capture beyond the viewport leaves later
        clicks missing their targets."""
        if self.engine != "chromium":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width = self.js("return window.innerWidth")
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))

    def open_window(self) -> str:
        """A new window, now the current one: another person (the session lives in a window's
        sessionStorage). Answers its handle, for switch_to."""
        self.driver.switch_to.new_window("window")
        return str(self.driver.current_window_handle)

    def switch_to(self, window: str) -> None:
        self.driver.switch_to.window(window)

    def close_other_windows(self) -> None:
        """Back to the session's first window, every other one closed."""
        for window in self.driver.window_handles:
            if window != self.first_window:
                self.driver.switch_to.window(window)
                self.driver.close()
        self.driver.switch_to.window(self.first_window)

    def goto(self, path: str) -> None:
        self.driver.get(self.base_url + path)
        self.settled()

    def follow(self, css: str, path: str) -> None:
        """Click the link and wait for the page it leads to (the path, then settled)."""
        self.find(css).click()
        self.wait(lambda: urlsplit(self.driver.current_url).path == path, what=f"{path} reached")
        self.settled()

    def settled(self) -> None:
        """The page's module scripts have run and its first fetches answered: loaded, and no
        new resource (fetch, module) finished for 200 ms. The page itself watches (one
        WebDriver round trip, not one every 50 ms); a page that moves on meanwhile ends the
        script, and the next page is watched."""
        self.wait(
            lambda: self.driver.execute_async_script(SETTLED),
            what=f"{self.driver.current_url} settled",
        )

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wait(self, predicate: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = predicate()
            except WebDriverException:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.engine}: {what or 'condition'} not met in {timeout}s")
            time.sleep(0.1)

    def find(self, css: str) -> WebElement:
        found: WebElement = self.wait(
            lambda: self.driver.find_element(By.CSS_SELECTOR, css), what=css
        )
        return found

    def visible(self, css: str) -> bool:
        """The element is there and rendered, in one script: finding it and then asking
        is_displayed() is two calls, and a page that moves on between them (a login going
        through) leaves the second asking about a node of the old document."""
        return bool(
            self.js(
                """const e = document.querySelector(arguments[0]);
                return !!e && e.getClientRects().length > 0
                    && getComputedStyle(e).visibility !== 'hidden'""",
                css,
            )
        )

    def text(self, css: str) -> str:
        return str(
            self.js(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css
            )
        )

    def wait_text(self, css: str, part: str, timeout: float = TIMEOUT) -> None:
        """The element's rendered text says part (in any case: status tags are upper-cased
        by CSS, and innerText shows them so)."""
        try:
            self.wait(lambda: part.casefold() in self.text(css).casefold(), timeout)
        except AssertionError:
            raise AssertionError(
                f"{self.engine}: {css} does not say {part!r} in {timeout}s: {self.text(css)!r}"
            ) from None

    def viewport(self, width: int, height: int = HEIGHT) -> int:
        """Set the page's viewport (not the window) to width x height CSS pixels, and check
        that the page sees it: window.innerWidth and the media queries. Answers the width.

        Each engine here has applied a resize when its command answers (20 of 20 in each), so
        the page is asked at once; only a resize it does not see yet waits before the next."""
        for attempt in range(3):
            if self.viewport_is(width):
                return width
            if attempt:
                time.sleep(0.1)
            if self.engine == "firefox":
                self.driver.browsing_context.set_viewport(
                    context=self.driver.current_window_handle,
                    viewport={"width": width, "height": height},
                )
            else:
                inner = self.js("return [window.innerWidth, window.innerHeight]")
                outer = self.driver.get_window_size()
                self.driver.set_window_size(
                    outer["width"] + width - inner[0], outer["height"] + height - inner[1]
                )
        if self.viewport_is(width):
            return width
        seen = self.js("return [window.innerWidth, window.devicePixelRatio]")
        raise AssertionError(f"{self.engine}: the page sees {seen} (width, ratio), not {width}")

    def viewport_width(self) -> int:
        return int(self.js("return window.innerWidth"))

    def viewport_is(self, width: int) -> bool:
        """The page's own view: innerWidth, and a media query at exactly that width."""
        return bool(
            self.js(
                """return window.innerWidth === arguments[0]
                    && matchMedia(`(width: ${arguments[0]}px)`).matches
                    && window.devicePixelRatio === 1""",
                width,
            )
        )

    def log_out(self) -> None:
        """Forget any session (it lives in the tab's sessionStorage) and start on a blank page."""
        if self.driver.current_url.startswith(self.base_url):
            self.js("sessionStorage.clear(); localStorage.clear()")
        self.driver.get("about:blank")

    def log_in(self, username: str, password: str = PASSWORD, *, secret: str = "") -> None:
        """Log in through the login page, answering the code and "continue?" steps.

        Each step is answered once and then awaited: a second "Continue here" would open a
        second session that ends the first, and the page might keep the ended one.
        """
        self.goto("/login")
        self.find("#username").send_keys(username)
        self.find("#password").send_keys(password)
        self.find("#login-submit").click()
        answered_code = answered_continue = False
        last: WebDriverException | None = None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                if "/login" not in self.driver.current_url:
                    self.settled()
                    self.wait(lambda: self.visible("#whoami"), what="logged in")
                    return
                if not answered_continue and self.visible("#continue-step"):
                    self.find("#continue-yes").click()
                    answered_continue = True
                elif not answered_code and self.visible("#otp-field"):
                    assert secret, "the account asks for a code, and the test has no secret"
                    self.find("#otp").send_keys(next_code(secret))
                    self.find("#login-submit").click()
                    answered_code = True
                elif self.visible("#login-message.error"):
                    raise AssertionError(self.text("#login-message"))
            except WebDriverException as moved:  # the page moved on while we looked
                last = moved
            time.sleep(0.1)
        raise AssertionError(f"{self.engine}: could not log in as {username}: {last!r}")

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.1 AA violations on the page as it is now."""
        require(AXE, "`make browser-tools` installs axe-core from npm")
        if not self.js("return typeof window.axe === 'object'"):
            # Through WebDriver, not a <script> element: the portal's CSP allows only 'self'.
            self.js(AXE.read_text(encoding="utf-8"))
        results = self.driver.execute_async_script(
            """const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},
                          resultTypes: ['violations']})
                .then((r) => done(JSON.stringify(r.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary),
                })))))
                .catch((e) => done(JSON.stringify([{id: 'axe-error', help: String(e)}])));""",
            AXE_TAGS,
        )
        violations: list[dict[str, Any]] = json.loads(results)
        return violations
