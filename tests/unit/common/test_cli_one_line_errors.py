"""A caller's mistake given to a long-running command (``stack up``, ``serve``) is one line on
stderr and exit status 2, like any other command's: no traceback in the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def openecf(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENECF_")}
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        cwd=REPO,
        env=env | settings,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("inside", ["a file", "a missing folder under a file"])
def test_stack_up_in_an_unusable_data_folder(tmp_path: Path, inside: str) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n")
    data_dir = a_file if inside == "a file" else a_file / "data"
    run = openecf("stack", "up", OPENECF_DATA_DIR=str(data_dir))
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        f"openecf: OPENECF_DATA_DIR {data_dir}: cannot make {data_dir / 'logs'}: Not a directory\n"
    )


def test_serve_with_a_bad_setting() -> None:
    run = openecf("serve", "edge", OPENECF_EDGE_PORT="eighty")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.startswith("openecf: bad settings: OPENECF_EDGE_PORT: ")
    assert len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr
