"""The portal in real browsers against the real stack.

The journeys: Debian's Chromium driven by Playwright (`browser`, `portal`). The engine matrix:
Chromium, Firefox ESR and WebKitGTK through WebDriver (`engine`, `browser_in`; engines.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from engines import ENGINES, EngineBrowser, start, xvfb
from playwright.sync_api import Browser, sync_playwright
from portal_kit import CHROMIUM, CHROMIUM_ARGS, PASSWORD, Portal, openecf

from services.stack.supervisor import LocalStack


# Per module, not per session: Playwright's sync API keeps an event loop on this thread
# while it runs, and later tests (e.g. the edge's ASGI unit tests) need asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        # launch() starts Chromium on a fresh, temporary user-data dir and removes it after.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def portal(browser: Browser, edge_url: str) -> Iterator[Portal]:
    """Pages for this test (one browser context per person); no script may throw."""
    running = Portal(browser=browser, base_url=edge_url)
    try:
        yield running
    finally:
        running.close()
    assert running.errors == [], running.errors


@pytest.fixture(scope="session")
def staff(stack: LocalStack) -> dict[str, str]:
    """A clerk and an administrator of their own for the browser tests.

    Logging in ends an account's other session, so the browser never logs in as the demo
    clerk or admin that the API tests of the same session hold sessions for.
    """
    suffix = uuid.uuid4().hex[:6]
    accounts = {"clerk": f"browser-clerk-{suffix}", "admin": f"browser-admin-{suffix}"}
    for role, username in accounts.items():
        openecf(
            stack,
            "account",
            "create",
            "--role",
            role,
            "--username",
            username,
            "--password",
            PASSWORD,
            "--email",
            f"{username}@court.example",
            "--name",
            f"Browser {role.title()}",
        )
    return accounts


@pytest.fixture(scope="session")
def display() -> Iterator[Callable[[], str]]:
    """One Xvfb for the session, started only when an engine needs a display (WebKitGTK)."""
    with ExitStack() as stack:
        started: list[str] = []

        def number() -> str:
            if not started:
                started.append(stack.enter_context(xvfb()))
            return started[0]

        yield number


@pytest.fixture(scope="session", params=ENGINES)
def engine(
    request: pytest.FixtureRequest, display: Callable[[], str], edge_url: str
) -> Iterator[EngineBrowser]:
    """One browser per engine for the session (pytest groups the tests by engine)."""
    driver = start(request.param, display)
    try:
        yield EngineBrowser(engine=request.param, driver=driver, base_url=edge_url)
    finally:
        driver.quit()


@pytest.fixture
def browser_in(engine: EngineBrowser) -> Iterator[EngineBrowser]:
    """The engine's browser, logged out, at 1280 px, for one test."""
    engine.log_out()
    engine.viewport(1280)
    yield engine
    engine.log_out()
