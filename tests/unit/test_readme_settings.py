"""The README's settings table lists every setting the processes read."""

from __future__ import annotations

import re
from pathlib import Path

from services.common.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented() -> None:
    text = README.read_text()
    # A row may name a range, e.g. `OPENECF_AUTH_PORT` … `OPENECF_ACCESS_PORT`.
    ranges = re.findall(r"`OPENECF_([A-Z_]+)` … `OPENECF_([A-Z_]+)`", text)
    covered = {suffix.split("_", 1)[1] for pair in ranges for suffix in pair}
    missing = [
        name
        for name in Settings.model_fields
        if f"`OPENECF_{name.upper()}`" not in text and name.split("_", 1)[1].upper() not in covered
    ]
    assert missing == [], f"add these to the README's settings table: {missing}"
