"""The auth service's knobs, taken from settings once, and its clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from services.auth.throttle import Rule
from services.auth.totp_keys import TotpKeyring, keyring_from_settings
from services.common.clock import Clock, system_clock
from services.common.settings import Settings

LOGIN_FIRST_DELAY = timedelta(seconds=30)
PAIR_RULE = Rule("pair", 5, LOGIN_FIRST_DELAY, timedelta(minutes=15))
CLIENT_RULE = Rule("client", 100, LOGIN_FIRST_DELAY, timedelta(minutes=15))


@dataclass(frozen=True)
class AuthPolicy:
    # Seals TOTP secrets at rest; never printed (the keyring's repr names only key ids).
    totp_keys: TotpKeyring = field(repr=False)
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    # Failed logins: free ones per (username, client) and per client, then growing delays.
    login_pair_rule: Rule = PAIR_RULE
    login_client_rule: Rule = CLIENT_RULE
    reset_token_ttl: timedelta = timedelta(minutes=30)
    confirm_token_ttl: timedelta = timedelta(hours=48)
    totp_issuer: str = "OpenECF"
    # Mails that carry a token (reissue, address confirmation), per hour.
    mail_per_address_hour: int = 3
    mail_per_client_hour: int = 20
    # The public bar search, per client (IP) and minute.
    bar_searches_per_client_minute: int = 60
    clock: Clock = system_clock

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = system_clock) -> AuthPolicy:
        max_delay = timedelta(minutes=settings.lockout_minutes)
        return cls(
            totp_keys=keyring_from_settings(settings),
            session_idle=timedelta(minutes=settings.session_idle_minutes),
            session_absolute=timedelta(hours=settings.session_absolute_hours),
            login_pair_rule=Rule("pair", settings.lockout_threshold, LOGIN_FIRST_DELAY, max_delay),
            login_client_rule=Rule(
                "client", settings.login_client_threshold, LOGIN_FIRST_DELAY, max_delay
            ),
            reset_token_ttl=timedelta(minutes=settings.reset_token_minutes),
            confirm_token_ttl=timedelta(hours=settings.confirm_token_hours),
            totp_issuer=settings.totp_issuer,
            mail_per_address_hour=settings.token_mails_per_address_hour,
            mail_per_client_hour=settings.token_mails_per_client_hour,
            bar_searches_per_client_minute=settings.bar_searches_per_client_minute,
            clock=clock,
        )
