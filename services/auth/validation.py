"""Checks on what a person types into an account form."""

from __future__ import annotations

import re

from services.common.errors import CourtError
from services.common.text import first_refused

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
_BAR_STATE = re.compile(r"^[A-Z]{2}$")


def _invalid(field: str, message: str) -> CourtError:
    return CourtError("validation_failed", message, details={"field": field})


def username(value: str) -> str:
    if not _USERNAME.match(value):
        raise _invalid(
            "username",
            "the username must be 3 to 64 letters, digits, '.', '_' or '-',"
            " starting with a letter or digit",
        )
    return value


def email(value: str, field: str = "email") -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value) or first_refused(value) is not None:
        raise _invalid(field, f"{value[:80]!r} is not a valid e-mail address")
    return value


def bar_state(value: str) -> str:
    value = value.strip().upper()
    if not _BAR_STATE.match(value):
        raise _invalid("bar_state", "bar_state must be a two-letter state code")
    return value


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def uuid_text(value: str, field: str) -> str:
    if not _UUID.match(value):
        raise CourtError("not_found", f"no such {field.replace('_', ' ')}")
    return value.lower()
