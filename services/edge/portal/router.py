"""The portal's pages: plain HTML served by the edge, brought to life by small JS modules.

Every page is the shared layout (``templates/layout.html``) around one page body
(``templates/pages/<name>.html``), both static files: the server never writes request data
into a page. Case numbers and tokens in the address are read by the page's own script, which
inserts data with ``textContent`` only. The scripts call the same-origin REST API with
``fetch`` and the session token from ``sessionStorage`` as ``Authorization: Bearer`` — no
cookie carries the session, so a cross-site page cannot act as the user (no CSRF surface).

The pages are GETs outside ``/api/v1``: the maintenance gate never refuses them, and the
banner they show comes from ``GET /api/v1/status``.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_PATH = "/static"
# Pages name their files under /static/<version>/, the version a digest of every file: a
# browser keeps them for good and asks nothing on the next page, and a release that changes any
# file changes every address. Without a version (or with another release's, as when the page
# came from another replica mid-upgrade) a file is served too, revalidated each time: never a
# stale script kept by a browser's own guess from Last-Modified after an upgrade.
VERSION_LENGTH = 16
VERSION = re.compile(f"[0-9a-f]{{{VERSION_LENGTH}}}")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# Module scripts must be served as JavaScript whatever the host's mime.types says.
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/css", ".css")

# Scripts and styles only from this origin, no inline code; fetch only to this origin.
# `blob:` lets a PDF the page fetched (with the bearer token) open in the browser's viewer.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' blob:; object-src 'self' blob:; frame-src 'self' blob:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    # Reset and free-look tokens travel in page addresses: never in a Referer header.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Page:
    path: str
    name: str  # templates/pages/<name>.html and static/js/pages/<name>.js
    title: str


PAGES = (
    Page("/", "home", "Court status"),
    Page("/login", "login", "Log in"),
    Page("/register", "register", "Register"),
    Page("/forgot-password", "forgot", "Forgotten login or password"),
    Page("/reset-password", "reset", "Set a new password"),
    Page("/confirm-email", "confirm-email", "Confirm your e-mail address"),
    Page("/mfa", "mfa", "Second factor"),
    Page("/dashboard", "dashboard", "My dashboard"),
    Page("/profile", "profile", "My profile"),
    Page("/file/petition", "petition", "File a petition for review"),
    Page("/file/case", "file-case", "File in a case"),
    Page("/cases", "cases", "Find a case"),
    Page("/attorneys", "attorneys", "Bar search"),
    Page("/cases/{case_number}", "case", "Case details"),
    Page("/cases/{case_number}/docket", "docket", "Docket sheet"),
    Page("/free-looks/{token}", "free-look", "Free look"),
    Page("/billing", "billing", "My billing statement"),
    Page("/clerk", "clerk", "Clerk's Office"),
    Page("/clerk/paper-filings", "paper-filing", "Docket a paper filing"),
    Page("/clerk/paper-service", "paper-service", "Paper service due"),
    Page("/admin/maintenance", "maintenance", "Maintenance"),
    Page("/technical-failures", "technical-failures", "Technical failures"),
)

router = APIRouter(include_in_schema=False)


def files_version(directory: Path) -> str:
    """A digest of every file's name and bytes under ``directory``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix().encode()
        digest.update(len(name).to_bytes(4, "big") + name)
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:VERSION_LENGTH]


@cache
def static_version() -> str:
    return files_version(STATIC)


@cache
def render(name: str, title: str) -> str:
    """The layout around one page body (static files only: nothing from the request)."""
    layout = (TEMPLATES / "layout.html").read_text(encoding="utf-8")
    body = (TEMPLATES / "pages" / f"{name}.html").read_text(encoding="utf-8")
    return (
        layout.replace("{{static}}", f"{STATIC_PATH}/{static_version()}")
        .replace("{{title}}", title)
        .replace("{{page}}", name)
        .replace("{{main}}", body)
    )


def _view(page: Page) -> Callable[[], HTMLResponse]:
    def show_page() -> HTMLResponse:
        return HTMLResponse(render(page.name, page.title), headers=PAGE_HEADERS)

    show_page.__name__ = f"portal_{page.name.replace('-', '_')}"
    return show_page


for _page in PAGES:
    router.add_api_route(
        _page.path,
        _view(_page),
        methods=["GET"],
        response_class=HTMLResponse,
        include_in_schema=False,
        name=f"portal:{_page.name}",
    )


class VersionedStaticFiles(StaticFiles):
    """Files at ``<version>/<path>`` (kept for good when the version is this release's) and at
    ``<path>`` (revalidated)."""

    def __init__(self, directory: Path, version: str) -> None:
        super().__init__(directory=directory)
        self.version = version

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        first, separator, rest = path.partition(os.sep)
        if separator and VERSION.fullmatch(first):
            scope["openecf.static_current"] = first == self.version
            return rest
        return path

    def file_response(
        self,
        full_path: os.PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        current = scope.get("openecf.static_current", False)
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        return response


def static_files() -> StaticFiles:
    """The portal's CSS and JS modules, mounted at ``STATIC_PATH``."""
    return VersionedStaticFiles(STATIC, static_version())
