"""Settings → the ``OPENECF_*`` environment a child process reads them back from."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import SecretStr

from services.common.settings import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, time):
            text = value.strftime("%H:%M")
        elif isinstance(value, Path):
            text = str(value)
        else:
            text = str(value)
        env[f"OPENECF_{name.upper()}"] = text
    return env
