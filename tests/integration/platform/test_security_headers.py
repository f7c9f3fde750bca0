"""Security headers from the real edge: CSP without inline script, no framing, no referrer
where a token is in the address, nothing personal kept by a cache."""

from __future__ import annotations

import re

import httpx
from support.api import register

from services.edge.portal.router import PAGES, STATIC_PATH


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


def test_a_page_names_its_files_by_version_and_a_browser_keeps_those_for_good(
    edge_url: str,
) -> None:
    page = httpx.get(edge_url + "/").text
    files = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(files) == 2, files  # the stylesheet and the page's module
    versions = {path.split("/")[2] for path in files}
    assert len(versions) == 1 and re.fullmatch(r"[0-9a-f]{16}", versions.pop()), files
    for path in files:
        response = httpx.get(edge_url + path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", path
        again = httpx.get(edge_url + path, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304, path
        assert again.headers["cache-control"] == "public, max-age=31536000, immutable", path
    # The module's own imports resolve under the same versioned folder.
    module = next(path for path in files if path.endswith(".js"))
    versioned_folder = module.rsplit("/js/", 1)[0]
    assert httpx.get(f"{edge_url}{versioned_folder}/js/ui.js").headers["cache-control"] == (
        "public, max-age=31536000, immutable"
    )
    # Without a version, or with another release's (a page from another replica during an
    # upgrade), the file is served and revalidated each time: never kept stale.
    for path in (f"{STATIC_PATH}/js/ui.js", f"{STATIC_PATH}/0123456789abcdef/js/ui.js"):
        response = httpx.get(edge_url + path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-cache", path
    assert httpx.get(f"{edge_url}{versioned_folder}/js/missing.js").status_code == 404
