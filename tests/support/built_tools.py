"""The tools `make test` builds while the first tests run: a test that needs one waits here.

grpcurl and Helm (Go), geckodriver (Rust), axe-core (npm) and the image's Debian base take
minutes to build on a fresh machine, and only a few test files use them, so `make test` builds
them in the background (`make built-tools`) beside the suite instead of before it. It records
the background build in BUILD_DIR: `pid` when it starts, `status` (make's exit status) when it
ends, `log` its output. tests/conftest.py collects the files that use these tools last, so on a
warm machine nothing waits, and on a fresh one little does.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO / ".openecf" / "tools" / "build"
# Longer than a fresh machine's slowest build here (Helm from the Go module proxy, minutes).
WAIT_LIMIT_S = 1500.0


def _build_running() -> bool:
    """A background build started by `make test` that has not written its status yet."""
    if (BUILD_DIR / "status").exists():
        return False
    try:
        pid = int((BUILD_DIR / "pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False  # no build recorded, or it was killed before it ended
    return True


def _log_tail() -> str:
    try:
        return (BUILD_DIR / "log").read_text(errors="replace")[-3000:]
    except OSError:
        return "(no build log)"


def wait_for_built_tool(path: Path | None = None) -> None:
    """Return once `path` exists (or, with no path, once the background build has ended);
    fail with the build's log when it ended without it."""
    deadline = time.monotonic() + WAIT_LIMIT_S
    while _build_running() and not (path is not None and path.exists()):
        if time.monotonic() > deadline:
            pytest.fail(f"the tools' build is still running after {WAIT_LIMIT_S:.0f} s")
        time.sleep(1.0)
    status = BUILD_DIR / "status"
    failed = status.exists() and status.read_text().strip() != "0"
    if (path is None or not path.exists()) and failed:
        pytest.fail(f"`make built-tools` failed; the end of its log:\n{_log_tail()}")
