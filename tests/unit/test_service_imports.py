"""What a service's own process loads at start: the PDF libraries stay with the processes that
use them (filing's sandbox workers; the edge's paper packet, when a clerk asks for one)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PDF_LIBRARIES = ("pypdf", "pypdfium2", "pypdfium2_raw")
PROBE = (
    "import importlib, sys\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(sorted({name.split('.')[0] for name in sys.modules} & set(sys.argv[2:])))"
)


@pytest.mark.parametrize("module", ["services.edge.server", "services.filing.server"])
def test_a_service_starts_without_the_pdf_libraries(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module, *PDF_LIBRARIES],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]", f"{module} loads {done.stdout.strip()}"
