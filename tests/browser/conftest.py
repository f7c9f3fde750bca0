"""The portal in real browsers against the real stack: Chromium, Firefox ESR and WebKitGTK
through WebDriver (`engine`, `browser_in`; engines.py), one browser per engine for the session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from engines import ENGINES, EngineBrowser, start, xvfb
from portal_kit import PASSWORD, openecf

from services.stack.supervisor import LocalStack


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
    browser = start(request.param, display, edge_url)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def browser_in(engine: EngineBrowser) -> Iterator[EngineBrowser]:
    """The engine's browser, logged out, at 1280 px, for one test, which fails on any
    JavaScript error of its pages."""
    engine.js_errors()  # what came before this test is not its own
    engine.log_out()
    engine.viewport(1280)
    yield engine
    engine.close_other_windows()
    engine.log_out()
    errors = engine.js_errors()
    assert errors == [], f"{engine.engine}: JavaScript errors: {errors}"
