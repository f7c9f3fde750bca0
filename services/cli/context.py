"""The settings a command runs with: the environment, completed by a local stack if one runs.

Beside ``make run`` in the same checkout, the stack's own file (``<data dir>/stack.json``)
supplies the database and Kafka addresses the environment leaves empty, so the README's
commands work with no settings at all.
"""

from __future__ import annotations

from pydantic import SecretStr

from services.common.settings import Settings, get_settings
from services.stack import stackfile


def cli_settings() -> Settings:
    settings = get_settings()
    if settings.database_url.get_secret_value() and settings.kafka_bootstrap:
        return settings
    info = stackfile.read(settings.data_dir)
    if info is None:
        return settings
    updates: dict[str, object] = {}
    if not settings.database_url.get_secret_value():
        updates["database_url"] = SecretStr(info.database_url)
    if not settings.kafka_bootstrap:
        updates["kafka_bootstrap"] = info.kafka_bootstrap
    return settings.model_copy(update=updates)
