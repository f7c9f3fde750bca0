"""Who the caller is, verified: every service asks here, never a request body.

A session token from the gRPC metadata is resolved once per RPC by the process's
resolver — a local lookup inside auth, a ValidateSession call everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.common.court import is_court_staff
from services.common.errors import CourtError
from services.common.identity import current_caller


@dataclass(frozen=True)
class Principal:
    account_id: str
    username: str
    name: str
    role: str
    efiler_approved: bool
    mfa_enrolled: bool
    session_id: str

    @property
    def is_court_staff(self) -> bool:
        return is_court_staff(self.role)


Resolver = Callable[[str], Principal]  # raises CourtError("unauthenticated") when invalid
_resolver: Resolver | None = None


def set_resolver(resolver: Resolver) -> None:
    global _resolver
    _resolver = resolver


def current_principal() -> Principal | None:
    """The caller's verified identity, or None for an anonymous call."""
    caller = current_caller()
    if not caller.session_token:
        return None
    cached = caller.memo.get("principal")
    if isinstance(cached, Principal):
        return cached
    if _resolver is None:
        raise RuntimeError("no session resolver configured in this process")
    principal = _resolver(caller.session_token)
    caller.memo["principal"] = principal
    return principal


def require_principal(*roles: str) -> Principal:
    """The verified caller; refuse anonymous callers, and other roles when ``roles`` given."""
    principal = current_principal()
    if principal is None:
        raise CourtError("unauthenticated", "log in first")
    if roles and principal.role not in roles:
        raise CourtError("forbidden", "your account may not do this")
    return principal
