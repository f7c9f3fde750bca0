"""Security headers from the real edge: CSP without inline script, no framing, no referrer
where a token is in the address, nothing personal kept by a cache."""

from __future__ import annotations

import re

import httpx
from support.api import register

from services.edge.portal.router import PAGES


def test_every_portal_page_has_a_csp_and_no_inline_script(edge_url: str) -> None:
    for page in PAGES:
        path = page.path.replace("{case_number}", "26-1").replace("{token}", "t0ken")
        response = httpx.get(edge_url + path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp, path
        scripts = re.findall(r"<script\b[^>]*>", response.text)
        assert scripts and all("src=" in tag for tag in scripts), (path, scripts)
        assert not re.search(r"\son[a-z]+\s*=", response.text), path  # no inline handlers


def test_token_pages_send_no_referrer_and_private_answers_are_not_cached(edge_url: str) -> None:
    for path in (
        "/reset-password?token=abc",
        "/free-looks/abc",
        "/dashboard",
        "/mfa",
        "/profile",
    ):
        response = httpx.get(edge_url + path)
        assert response.headers["referrer-policy"] == "no-referrer", path
        assert response.headers["cache-control"] == "no-store", path
    api, _ = register(edge_url)
    for path in ("/api/v1/accounts/me", "/api/v1/notices", "/api/v1/billing"):
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["cache-control"] == "no-store", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
    # A public page may be cached as the portal decides (revalidated, not stored blind).
    assert httpx.get(edge_url + "/").headers["cache-control"] == "no-cache"
