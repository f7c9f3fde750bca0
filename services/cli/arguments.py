"""argparse types for the numbers a command takes: a value outside its range is a usage error
that names the range (exit status 2), never clamped in silence or let run (a negative interval
would make the scheduler spin)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


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
