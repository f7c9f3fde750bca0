"""The settings a command runs with: the environment, completed by a local stack if one runs.

Beside ``make run`` in the same checkout, the stack's own file (``<data dir>/stack.json``)
supplies the database and Kafka addresses the environment leaves empty, so the README's
commands work with no settings at all — from any folder of the checkout, as git does: with
``OPENECF_DATA_DIR`` unset, the data folder is looked for in each folder above too.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from services.common.settings import Settings, get_settings
from services.stack import stackfile


def cli_settings() -> Settings:
    settings = get_settings()
    if settings.database_url.get_secret_value() and settings.kafka_bootstrap:
        return settings
    found = _running_stack(settings)
    if found is None:
        return settings
    data_dir, info = found
    updates: dict[str, object] = {"data_dir": data_dir}  # its keys, its mail: all of it
    if not settings.database_url.get_secret_value():
        updates["database_url"] = SecretStr(info.database_url)
    if not settings.kafka_bootstrap:
        updates["kafka_bootstrap"] = info.kafka_bootstrap
    return settings.model_copy(update=updates)


def _running_stack(settings: Settings) -> tuple[Path, stackfile.StackInfo] | None:
    """The data folder of the stack running here, and its file."""
    folders = [settings.data_dir]
    if "data_dir" not in settings.model_fields_set:  # the default, `.openecf` here
        name = settings.data_dir.name
        folders += [above / name for above in settings.data_dir.parent.parents]
    for folder in folders:
        info = stackfile.read(folder)
        if info is not None:
            return folder, info
    return None
