"""bench/profiling.py reading py-spy's collapsed stacks: own and total shares of the samples
doing work, waits left out (the tables of bench/README.md come from it)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from profiling import beyond_idle, read_collapsed


def test_own_and_total_shares_of_the_working_samples(tmp_path: Path) -> None:
    raw = tmp_path / "edge.txt"
    raw.write_text(
        "process 12:python;thread (0x1);main (/x/app.py:3);parse (/x/multipart.py:9) 6\n"
        "process 12:python;thread (0x1);main (/x/app.py:3);send (/x/grpc.py:2) 2\n"
        "process 12:python;thread (0x1);main (/x/app.py:3) 2\n"
        # A thread waiting: not work, left out.
        "process 12:python;thread (0x2);loop (/x/app.py:9);EpollSelector.select"
        " (/usr/lib/selectors.py:468) 90\n"
    )
    profile = read_collapsed("edge", raw)
    assert profile.samples == 10
    top = profile.top(3)
    assert top[0] == ("parse (multipart.py)", 60.0, 60.0)
    assert ("main (app.py)", 20.0, 100.0) in top
    assert ("send (grpc.py)", 20.0, 20.0) in top


def test_cpu_beyond_idle_never_goes_below_zero() -> None:
    used = {"kafka": 3.0, "edge": 1.0}
    idle = {"kafka": 0.1, "edge": 0.5}  # CPU seconds a second
    assert beyond_idle(used, idle, 10.0) == {"kafka": 2.0, "edge": 0.0}
