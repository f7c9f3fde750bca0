"""A caller's mistake is one line on stderr and exit status 2: given to a long-running command
(``stack up``, ``serve``) too, with no traceback in the terminal; a number out of its range is
refused, never clamped."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from services.cli import imports
from services.cli.main import build_parser, main

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


@pytest.mark.parametrize(
    ("args", "refusal"),
    [
        (["maintenance", "next", "--count", "0"], "--count: a whole number from 1 to 52"),
        (["maintenance", "next", "--count", "53"], "--count: a whole number from 1 to 52"),
        (["maintenance", "next", "--count", "two"], "--count: a whole number from 1 to 52"),
        (["maintenance", "scheduler", "--interval", "-1"], "--interval: seconds, from 0.1 to 3600"),
        (["maintenance", "scheduler", "--interval", "nan"], "seconds, from 0.1 to 3600"),
        (["documents", "migrate-to-s3", "--batch-size", "0"], "a whole number from 1 to 10000"),
        (["stack", "up", "--replicas", "9"], "--replicas: a whole number from 1 to 8"),
    ],
)
def test_a_number_out_of_its_range_is_refused_not_clamped(
    args: list[str], refusal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert refusal in capsys.readouterr().err


def test_a_number_in_range_is_taken() -> None:
    assert build_parser().parse_args(["maintenance", "next", "--count", "52"]).count == 52
    interval = build_parser().parse_args(["maintenance", "scheduler", "--interval", "0.5"])
    assert interval.interval == 0.5


def test_a_folder_that_cannot_be_made_is_named_as_the_shell_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n")
    assert main(["keys", "generate", "--dir", str(a_file / "keys")]) == 1
    assert capsys.readouterr().err == f"openecf: {a_file / 'keys'}: Not a directory\n"


def test_a_file_without_a_size_is_read_only_up_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pipe (or /dev/zero) says it holds 0 bytes: the limit must hold while reading.
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1024 * 1024)
    pipe = tmp_path / "case.json"
    os.mkfifo(pipe)

    def write_more_than_the_limit() -> None:
        with contextlib.suppress(BrokenPipeError), pipe.open("wb") as out:
            out.write(b" " * (2 * 1024 * 1024))

    writer = threading.Thread(target=write_more_than_the_limit)
    writer.start()
    try:
        assert main(["import", "acms", str(pipe)]) == 1
    finally:
        writer.join(timeout=10)
    assert capsys.readouterr().err == f"openecf: {pipe}: larger than 1 MB\n"


@pytest.mark.parametrize(
    ("args", "refusal"),
    [
        (
            ["maintenance", "on", "--until", "99999999999999999999h"],
            "--until: '99999999999999999999h' is beyond the calendar (years 1 to 9999)",
        ),
        (
            ["maintenance", "next", "--after", "9999-12-31T23:00"],
            "--after: '9999-12-31T23:00' is beyond the calendar (years 1 to 9999)",
        ),
        (
            ["maintenance", "next", "--after", "0001-01-01T00:00"],
            "--after: '0001-01-01T00:00' is too near the calendar's ends",
        ),
    ],
)
def test_a_time_beyond_the_calendar_is_a_usage_error(
    args: list[str], refusal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2  # said before any database is needed
    assert capsys.readouterr() == ("", f"openecf: {refusal}\n")


ACCOUNT = ["account", "create", "--role", "clerk", "--email", "clerk@court.example"]
PASSWORD = "Correct-Horse-Battery-9"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([*ACCOUNT, "--username", "clerk1", "--password", PASSWORD + "\udcff"], "--password"),
        (["maintenance", "on", "--until", "2h", "--reason=abc\udcff"], "--reason"),
        (["import", "acms", "case\udcff.json"], "argument 3"),
    ],
)
def test_an_argument_that_is_not_utf8_is_a_usage_error(
    args: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A terminal's Latin-1 byte reaches Python as a lone surrogate (os.fsdecode(b"\xff")).
    assert main(args) == 2
    assert capsys.readouterr() == (
        "",
        f"openecf: {named} is not UTF-8 text (check the terminal's encoding)\n",
    )


def test_a_password_on_standard_input_that_is_not_utf8_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    given = io.TextIOWrapper(io.BytesIO(PASSWORD.encode() + b"\xff\n"), errors="surrogateescape")
    monkeypatch.setattr(sys, "stdin", given)
    assert main([*ACCOUNT, "--username", "clerk1", "--password-stdin"]) == 2
    assert capsys.readouterr().err == (
        "openecf: --password-stdin: standard input is not UTF-8 text\n"
    )


@pytest.mark.parametrize(
    ("username", "password", "refusal"),
    [
        ("u1", PASSWORD, "validation_failed: the username must be 3 to 64"),
        ("clerk1", "short", "validation_failed: the password must be at least 12 characters"),
    ],
)
def test_a_value_the_court_refuses_is_a_usage_error(
    username: str, password: str, refusal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The README: exit status 2 for bad arguments, whether argparse or the court's rule says so.
    assert main([*ACCOUNT, "--username", username, "--password", password]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"openecf: {refusal}") and err.count("\n") == 1, err


def test_an_s3_endpoint_that_is_not_a_url_is_a_bad_setting() -> None:
    run = openecf(
        "documents", "migrate-to-s3", OPENECF_S3_ENDPOINT_URL="not a url", OPENECF_S3_BUCKET="b"
    )
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        "openecf: bad settings: OPENECF_S3_ENDPOINT_URL: Value error, 'not a url' is not an"
        " http(s) URL such as https://s3.court.example\n"
    )
