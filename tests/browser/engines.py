"""The portal in the three engines the court supports, through WebDriver (Selenium).

Chromium (chromedriver), Firefox ESR (geckodriver) and WebKitGTK, Safari's engine
(WebKitWebDriver, under an Xvfb display of the session's own). All come from Debian's packages
except geckodriver (crates.io) and axe-core (npm); `make test` installs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal_kit import CHROMIUM, CHROMIUM_ARGS, PASSWORD, REPO, next_code
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

ENGINES = ("chromium", "firefox", "webkit")
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


def start(engine: str, display: Callable[[], str]) -> WebDriver:
    """A fresh browser of that engine (a temporary profile the driver removes on quit)."""
    driver: WebDriver
    if engine == "chromium":
        require(CHROMEDRIVER, "`make packages` installs Debian's chromium-driver")
        chrome = webdriver.ChromeOptions()
        chrome.binary_location = str(CHROMIUM)
        for argument in [*CHROMIUM_ARGS, "--headless=new", f"--window-size=1280,{HEIGHT}"]:
            chrome.add_argument(argument)
        driver = webdriver.Chrome(
            options=chrome, service=webdriver.ChromeService(str(CHROMEDRIVER))
        )
    elif engine == "firefox":
        require(GECKODRIVER, "`make browser-tools` builds geckodriver from crates.io")
        firefox = webdriver.FirefoxOptions()
        firefox.binary_location = str(FIREFOX)
        firefox.add_argument("-headless")
        # WebDriver BiDi: its browsingContext.setViewport sets the page's viewport to any size
        # (headless Firefox's window itself stops at 500 px wide).
        firefox.enable_bidi = True
        firefox.set_preference("intl.accept_languages", "en-US")
        firefox.set_preference("browser.shell.checkDefaultBrowser", False)
        driver = webdriver.Firefox(
            options=firefox,
            service=webdriver.FirefoxService(str(GECKODRIVER), log_output=subprocess.DEVNULL),
        )
    elif engine == "webkit":
        require(WEBKIT_DRIVER, "`make packages` installs Debian's webkit2gtk-driver")
        require(WEBKIT_BINDINGS, "`make packages` installs Debian's gir1.2-webkit2-4.1")
        webkit = webdriver.WebKitGTKOptions()
        webkit.binary_location = str(WEBKIT_SHELL)
        webkit.set_capability("browserName", "openecf-webkit")  # the shell's name for itself
        webkit.add_argument("--automation")
        env = {**os.environ, "DISPLAY": display()}
        driver = webdriver.WebKitGTK(
            options=webkit,
            service=webdriver.WebKitGTKService(str(WEBKIT_DRIVER), env=env),
        )
    else:
        raise ValueError(f"unknown engine {engine!r}")
    driver.set_script_timeout(TIMEOUT)
    driver.set_page_load_timeout(TIMEOUT * 2)
    return driver


def version(driver: WebDriver) -> str:
    caps = driver.capabilities
    return f"{caps.get('browserName')} {caps.get('browserVersion')}"


@dataclass
class EngineBrowser:
    """One engine's browser, shared by the tests of a session: each test starts logged out."""

    engine: str
    driver: WebDriver
    base_url: str

    def goto(self, path: str) -> None:
        self.driver.get(self.base_url + path)
        self.settled()

    def settled(self) -> None:
        """The page's module scripts have run and its first fetches answered."""
        self.wait(
            lambda: self.js("return document.readyState === 'complete'"),
            what=f"{self.driver.current_url} loaded",
        )
        # Network idle: no new resource (fetch, module) has finished for 200 ms.
        last, quiet_since = -1, time.monotonic()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            count = self.js("return performance.getEntriesByType('resource').length")
            if count != last:
                last, quiet_since = count, time.monotonic()
            elif time.monotonic() - quiet_since >= 0.2:
                return
            time.sleep(0.05)

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
        elements = self.driver.find_elements(By.CSS_SELECTOR, css)
        return bool(elements) and elements[0].is_displayed()

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
        that the page sees it: window.innerWidth and the media queries. Answers the width."""
        for _ in range(3):
            if self.viewport_is(width):
                return width
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
            time.sleep(0.1)
        seen = self.js("return [window.innerWidth, window.devicePixelRatio]")
        raise AssertionError(f"{self.engine}: the page sees {seen} (width, ratio), not {width}")

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
            except (StaleElementReferenceException, NoSuchElementException):
                pass  # the page moved on while we looked
            time.sleep(0.1)
        raise AssertionError(f"{self.engine}: could not log in as {username}")

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
