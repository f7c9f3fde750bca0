"""The operator's `openecf` command, run as its own process the way a court's operator runs it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from services.stack.environment import settings_env
from services.stack.supervisor import LocalStack


def run_openecf(
    *args: str | Path, settings: Mapping[str, str], timeout: float = 120, given: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`openecf ARGS` with exactly these OPENECF_* settings (none of this process's own), and
    ``given`` as its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *map(str, args)],
        env={**LocalStack.base_env(), **settings},
        input=given,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def openecf(stack: LocalStack, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`openecf ARGS` beside a test stack, with that stack's settings."""
    return run_openecf(*args, settings=settings_env(stack.settings))
