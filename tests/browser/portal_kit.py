"""Driving the portal in Chromium: pages per user, logging in, screenshots, page checks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
from playwright.sync_api import Browser, BrowserContext, Page, expect

from services.stack.environment import settings_env
from services.stack.supervisor import LocalStack

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = Path(os.environ.get("OPENECF_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (320, 1280)
TIMEOUT_MS = 20_000
PASSWORD = "a long and unusual passphrase 42"


@dataclass
class Portal:
    """Browser contexts for one test: each is a separate person (own session storage)."""

    browser: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def page(self, width: int = 1280, height: int = 900) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport={"width": width, "height": height},
            locale="en-US",
            timezone_id="America/New_York",  # not the court's: the portal shows court time
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def openecf(stack: LocalStack, *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's command against the test stack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENECF_")}
    env.update(settings_env(stack.settings))
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def shot(page: Page, name: str, widths: tuple[int, ...] = WIDTHS) -> None:
    """Full-page screenshots of the page as it is, at each width (then back to the first)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or {"width": 1280, "height": 900}
    for width in widths:
        page.set_viewport_size({"width": width, "height": original["height"]})
        page.wait_for_timeout(100)  # let the layout settle
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size(original)


def unlabelled_controls(page: Page) -> list[str]:
    """Visible form controls without a label (the page must have none)."""
    found: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
            .filter((e) => e.type !== 'hidden' && e.getClientRects().length > 0)
            .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map((e) => e.id || e.name || e.outerHTML.slice(0, 80))"""
    )
    return found


def check_page(page: Page) -> None:
    """What every page keeps: a language, a skip link, one h1, labels on every control."""
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("a.skip-link[href='#main']").count() == 1
    expect(page.locator("main h1")).to_have_count(1)
    assert unlabelled_controls(page) == []


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.1)


def next_code(secret: str) -> str:
    """A TOTP code for the next 30-second step: the current one may have been used already."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def log_in(page: Page, username: str, password: str = PASSWORD, *, secret: str = "") -> None:
    """Log in through the login page, answering the code and "continue?" steps as they come."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not page.url.split("?")[0].endswith("/login"):
            expect(page.locator("#whoami")).to_be_visible()
            return
        if page.locator("#continue-step").is_visible():
            page.get_by_role("button", name="Continue here").click()
            page.wait_for_url(lambda url: "/login" not in url)
            continue
        if page.locator("#otp-field").is_visible() and not page.locator("#otp").input_value():
            assert secret, "the account asks for a code, and the test has no secret"
            page.get_by_label("Authentication code").fill(next_code(secret))
            page.get_by_role("button", name="Log in").click()
            page.wait_for_timeout(200)
            continue
        if page.locator("#login-message.error").is_visible():
            raise AssertionError(page.locator("#login-message").inner_text())
        page.wait_for_timeout(100)
    raise AssertionError(f"could not log in as {username}")
