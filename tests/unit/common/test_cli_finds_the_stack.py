"""The command line finds the local stack's file from any folder of the checkout, as git
finds `.git` (services/cli/context.py), unless OPENECF_DATA_DIR names the folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.cli.context import cli_settings
from services.common.settings import get_settings
from services.stack import stackfile

RUNNING = stackfile.StackInfo(os.getpid(), "postgresql://stack@/openecf", "127.0.0.1:9", "")


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("OPENECF_DATA_DIR", "OPENECF_DATABASE_URL", "OPENECF_KAFKA_BOOTSTRAP"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".openecf").mkdir()
    stackfile.write(tmp_path / ".openecf", RUNNING)
    (tmp_path / "deploy" / "helm").mkdir(parents=True)
    get_settings.cache_clear()  # each test's environment, not the last one's
    yield tmp_path
    get_settings.cache_clear()


def test_from_a_folder_below_it_finds_the_stack_and_its_data_folder(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(checkout / "deploy" / "helm")
    settings = cli_settings()
    assert settings.database_url.get_secret_value() == RUNNING.database_url
    assert settings.kafka_bootstrap == RUNNING.kafka_bootstrap
    assert settings.data_dir == checkout / ".openecf"  # its keys and mail, not a new folder


def test_a_data_folder_that_is_set_is_the_only_one_looked_in(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(checkout / "deploy" / "helm")
    monkeypatch.setenv("OPENECF_DATA_DIR", "elsewhere")
    settings = cli_settings()
    assert settings.database_url.get_secret_value() == ""
    assert settings.data_dir == checkout / "deploy" / "helm" / "elsewhere"
