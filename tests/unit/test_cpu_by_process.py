"""scripts/cpu_by_process.py: each process is counted under the kind its command line names,
and the command it runs is measured to its end."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cpu_by_process.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cpu_by_process", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_process_is_counted_under_its_kind() -> None:
    kind_of = _script().kind_of
    assert kind_of("/r/.venv/bin/python -m services.cli.main serve notify ", "python") == (
        "serve notify"
    )
    assert kind_of("/opt/openecf/bin/python /opt/openecf/bin/openecf serve auth ", "python") == (
        "serve auth"
    )
    java = "/usr/bin/java -Xmx512m -cp /r/.openecf/cache/kafka-4.3.0/libs/* kafka.Kafka x"
    assert kind_of(java, "java") == "kafka (jvm)"
    assert kind_of("", "kworker/1:1H-kblockd") == "kernel thread kworker"
    assert kind_of("/usr/bin/sleep 5", "sleep") == "other: sleep"


BUSY = "end = time.process_time() + 2.5\nwhile time.process_time() < end: pass"


def _summary(options: list[str], code: str) -> list[str]:
    """The script's output lines, measuring a Python process that runs ``code``."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *options, "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_it_measures_the_command_and_passes_on_its_exit_code() -> None:
    summary = _summary(["--top", "40"], f"import time\n{BUSY}")
    assert summary[1].startswith(f"{sys.executable}: exit 0")
    # 2.5 s of CPU, less at most the last second the samples miss.
    (line,) = [line for line in summary if line.endswith(f"other: {Path(sys.executable).name}")]
    assert float(line.split()[0]) * 60 >= 1.2
    failed = subprocess.run(
        [sys.executable, str(SCRIPT), "--", sys.executable, "-c", "raise SystemExit(3)"],
        capture_output=True,
        timeout=60,
    )
    assert failed.returncode == 3


def test_a_process_that_names_itself_later_is_counted_under_its_name() -> None:
    """The stack's fork server's children rename themselves just after the fork; one seen
    before that must not stay "other: python" with all its CPU."""
    renames = (
        "import time, setproctitle\n"
        "time.sleep(1.5)\n"
        "setproctitle.setproctitle('openecf serve ' + 'notify')\n"  # not a match before it runs
        f"{BUSY}"
    )
    # Every process of the machine is listed (the suite's other workers may use more CPU
    # meanwhile): the renamed one must be among them under its new name.
    summary = _summary(["--processes", "1000"], renames)
    (line,) = [line for line in summary if line.endswith("CPU-min  serve notify")]
    assert float(line.split()[0]) * 60 >= 1.2
    assert any("serve notify: openecf serve notify" in line for line in summary), summary
