"""What a command is given, checked before it runs: a usage error (exit status 2), never a
traceback later.

- argparse types for the numbers a command takes: a value outside its range is a usage error
  that names the range, never clamped in silence or let run (a negative interval would make
  the scheduler spin).
- Arguments that are not UTF-8: Python hands them over as lone surrogates, which every later
  step (a password hash, PostgreSQL, the terminal) refuses with an encoding traceback.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence


def whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"a whole number from {low} to {high}")
        return number

    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not low <= number <= high:  # NaN is in no range
            raise argparse.ArgumentTypeError(f"seconds, from {low:g} to {high:g}")
        return number

    return parse


def undecodable_argument(argv: Sequence[str]) -> str | None:
    """The first argument that is not UTF-8, named by its option where it has one ("--reason")
    or else by its place ("argument 3"); None when every argument is UTF-8."""
    for index, value in enumerate(argv):
        if _undecodable(value):
            return _name_of(argv, index)
    return None


def _name_of(argv: Sequence[str], index: int) -> str:
    value = argv[index]
    # --reason=VALUE, or --reason VALUE
    option = value.partition("=")[0] if value.startswith("-") else argv[index - 1] if index else ""
    if option.startswith("-") and not _undecodable(option):
        return option
    return f"argument {index + 1}"


def _undecodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: os.fsdecode's escape for a byte
        return True
    return False
