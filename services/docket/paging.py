"""Opaque page tokens for keyset pagination: a listing's name and the last key seen."""

from __future__ import annotations

import base64
import binascii

from services.common.errors import CourtError


def encode(listing: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{listing}|{key}".encode()).decode().rstrip("=")


def decode(token: str, listing: str) -> int | None:
    """The key after which the next page starts; None for the first page (no token)."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        name, _, key = raw.rpartition("|")
        value = int(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value, name = -1, ""
    if name != listing or value < 0:
        raise CourtError(
            "validation_failed",
            "the page token is not one this listing gave out",
            details={"field": "page_token"},
        )
    return value


def page_size(requested: int, *, default: int, maximum: int) -> int:
    if requested < 0:
        raise CourtError(
            "validation_failed", "page_size cannot be negative", details={"field": "page_size"}
        )
    return min(requested or default, maximum)
