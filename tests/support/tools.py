"""The command-line tools the tests run, as `make test` passes them (OPENECF_<NAME>)."""

from __future__ import annotations

import os
import shutil

import pytest


def tool_path(name: str, how: str) -> str:
    """The tool's path from OPENECF_<NAME>, else from PATH; a missing tool fails the test with
    ``how`` to get it, never skips it."""
    path = os.environ.get(f"OPENECF_{name.upper()}") or shutil.which(name)
    if not path or not os.path.exists(path):
        pytest.fail(f"{name} is not installed: {how}")
    return path
