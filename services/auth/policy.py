"""The auth service's knobs, taken from settings once, and its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.common.clock import Clock, system_clock
from services.common.settings import Settings


@dataclass(frozen=True)
class AuthPolicy:
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    lockout_threshold: int = 5
    lockout: timedelta = timedelta(minutes=15)
    reset_token_ttl: timedelta = timedelta(minutes=30)
    confirm_token_ttl: timedelta = timedelta(hours=48)
    totp_issuer: str = "OpenECF"
    # Mails that carry a token (reissue, address confirmation), per hour.
    mail_per_address_hour: int = 3
    mail_per_client_hour: int = 20
    clock: Clock = system_clock

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = system_clock) -> AuthPolicy:
        return cls(
            session_idle=timedelta(minutes=settings.session_idle_minutes),
            session_absolute=timedelta(hours=settings.session_absolute_hours),
            lockout_threshold=settings.lockout_threshold,
            lockout=timedelta(minutes=settings.lockout_minutes),
            reset_token_ttl=timedelta(minutes=settings.reset_token_minutes),
            confirm_token_ttl=timedelta(hours=settings.confirm_token_hours),
            totp_issuer=settings.totp_issuer,
            mail_per_address_hour=settings.token_mails_per_address_hour,
            mail_per_client_hour=settings.token_mails_per_client_hour,
            clock=clock,
        )
