"""Opaque random tokens; only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
