"""The auth service's business metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

LOGINS = Counter("openecf_logins_total", "Login attempts, by outcome.", ["outcome"])
LOCKOUTS = Counter("openecf_lockouts_total", "Login throttles started (accounts are never locked).")
MFA_FAILURES = Counter("openecf_mfa_failures_total", "Wrong, expired or replayed TOTP codes.")
PASSWORD_REHASHES = Counter(
    "openecf_password_rehashes_total",
    "Password hashes upgraded to the current argon2 parameters at login.",
)
ACTIVE_SESSIONS = Gauge("openecf_active_sessions", "Sessions neither ended nor expired.")
FILING_AVAILABLE = Gauge(
    "openecf_filing_available",
    "1 when the last availability probe found filing, access and docket answering.",
)
TECHNICAL_FAILURES_PROPOSED = Counter(
    "openecf_technical_failures_proposed_total",
    "Runs of filing unavailability proposed to the administrators as technical failures.",
)
