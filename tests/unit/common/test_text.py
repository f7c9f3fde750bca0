"""One text cleaner for every service (services/common/text.py)."""

from __future__ import annotations

import pytest

from services.common.errors import CourtError
from services.common.text import clean, first_refused


def _code(value: str, **kw: bool) -> str:
    with pytest.raises(CourtError) as raised:
        clean(value, field="title", max_length=50, required=kw.pop("required", False), **kw)
    assert raised.value.details == {"field": "title"}
    return raised.value.code


def test_trims_and_normalises_to_nfc() -> None:
    assert clean("  Jose\u0301 ", field="name", max_length=10, required=True) == "José"


def test_required_and_length_are_validation_failures() -> None:
    assert _code("   ", required=True) == "validation_failed"
    assert _code("x" * 51) == "validation_failed"
    assert clean("", field="title", max_length=5, required=False) == ""


@pytest.mark.parametrize(
    "bad",
    [
        "a\x00b",  # NUL: PostgreSQL refuses it in text
        "a\x1bb",  # ESC: terminal escapes in logs
        "a\x7fb",  # DEL
        "a\x85b",  # C1 next line
        "a\nb",  # one-line fields hold no line break
        "a\tb",
        "a\u2028b",  # line separator
        "order\u202efdp.exe",  # right-to-left override
        "a\u2066b\u2069",  # isolates
        "a\u200eb",  # left-to-right mark
        "a\u200bb",  # zero-width space
        "\ufeffa",  # byte-order mark inside a value
    ],
)
def test_one_line_text_refuses_control_and_format_characters(bad: str) -> None:
    assert _code(bad) == "invalid_text"


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\rb", "a\u202eb"])
def test_free_text_refuses_them_too(bad: str) -> None:
    assert _code(bad, multiline=True) == "invalid_text"


def test_free_text_keeps_line_breaks_and_tabs() -> None:
    value = "first line\n\tindented"
    assert clean(value, field="d", max_length=50, required=False, multiline=True) == value


@pytest.mark.parametrize(
    "good",
    [
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "क्\u200dष",
        "Zoë O'Brien-Nakamura",
        "東京 太郎",
    ],
)
def test_names_in_every_script_pass(good: str) -> None:
    assert first_refused(good) is None
    assert clean(good, field="name", max_length=50, required=True) == good
