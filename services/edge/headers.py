"""Security headers every edge response carries, by kind of route (one place).

- The REST API: ``Cache-Control: no-store`` (answers are a person's own: profile, notices,
  billing, documents — never kept by a shared or browser cache), no framing, no referrer,
  no MIME sniffing. A route that sets its own Cache-Control (a document) keeps it.
- The portal's pages already carry their CSP (portal/router.py); the pages that show a
  person's account or carry a token in their address are also ``no-store``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

API_PREFIX = "/api/"
# Portal pages about one person, or with a token in the address.
PRIVATE_PAGES = (
    "/dashboard",
    "/mfa",
    "/profile",
    "/billing",
    "/reset-password",
    "/confirm-email",
    "/free-looks/",
    "/clerk",
)
_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_API = {"Cache-Control": "no-store", "Content-Security-Policy": "frame-ancestors 'none'"}


def apply(path: str, headers: MutableHeaders) -> None:
    for name, value in _ALWAYS.items():
        headers.setdefault(name, value)
    if path.startswith(API_PREFIX):
        for name, value in _API.items():
            headers.setdefault(name, value)
    elif path.startswith(PRIVATE_PAGES):
        headers["Cache-Control"] = "no-store"
