"""TOTP second factor (RFC 6238, pyotp): enrolment, confirmation, and replay-safe checks."""

from __future__ import annotations

from datetime import datetime

import pyotp

STEP_SECONDS = 30
# Accept the previous and next 30-second step too: phones' clocks drift.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def matching_step(secret: str, otp: str, *, now: datetime, last_step: int) -> int | None:
    """The time step ``otp`` belongs to, if valid and newer than ``last_step``; else None.

    Recording the step at each success means a code — even a still-valid one — is
    accepted only once.
    """
    otp = otp.strip().replace(" ", "")
    if len(otp) != 6 or not otp.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last_step and pyotp.utils.strings_equal(totp.generate_otp(step), otp):
            return step
    return None
