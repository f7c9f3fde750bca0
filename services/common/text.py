"""What people type, cleaned the same way in every service: one rule for names, titles,
file names and free text.

A value is trimmed and normalised (NFC). A one-line value (a name, a title, a file name) may hold
no control character at all; free text (a description, an address, a reason) may hold line
breaks and tabs. Neither may hold NUL (PostgreSQL refuses it in text), other control characters,
or invisible format characters such as the bidi overrides U+202E/U+2066 that make a file name
read differently from what it is. ZWNJ and ZWJ stay: Persian and Indic names are spelled with
them. A refusal is ``invalid_text`` naming the field; a missing or too long value is
``validation_failed``.
"""

from __future__ import annotations

import unicodedata

from services.common.errors import CourtError

_JOINERS = frozenset("\u200c\u200d")
_FREE_TEXT_CONTROLS = frozenset("\n\t")
# Line and paragraph separators are not Cc but break a line all the same.
_SEPARATORS = frozenset({"Zl", "Zp"})


def _refused(ch: str, *, multiline: bool) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return not (multiline and ch in _FREE_TEXT_CONTROLS)
    if category == "Cf":
        return ch not in _JOINERS
    return category in _SEPARATORS or category == "Cs"


def first_refused(value: str, *, multiline: bool = False) -> str | None:
    """The first character this rule refuses in ``value``, or None."""
    return next((ch for ch in value if _refused(ch, multiline=multiline)), None)


def clean(
    value: str, *, field: str, max_length: int, required: bool, multiline: bool = False
) -> str:
    """``value`` trimmed and normalised, or a CourtError naming ``field``."""
    value = unicodedata.normalize("NFC", value.strip())
    if required and not value:
        raise CourtError("validation_failed", f"{field} is required", details={"field": field})
    if len(value) > max_length:
        raise CourtError(
            "validation_failed",
            f"{field} must be at most {max_length} characters",
            details={"field": field},
        )
    refused = first_refused(value, multiline=multiline)
    if refused is not None:
        raise CourtError(
            "invalid_text",
            f"{field} must not contain control or invisible formatting characters"
            f" (found U+{ord(refused):04X})",
            details={"field": field},
        )
    return value
