"""Which RPCs write nothing, told by their names: the one naming rule that both the
maintenance rule (what stays open) and the replay guard (what must never run twice) read."""

from __future__ import annotations

READ_RPC_PREFIXES = ("Get", "List", "Search", "Validate")
CHECK_RPC_PREFIXES = ("Check",)  # checks that store nothing (CheckFiling)


def writes_nothing(method: str) -> bool:
    """Whether ``/pkg.Service/Method`` only reads or checks, by the naming rule above."""
    name = method.rsplit("/", 1)[-1]
    return name.startswith(READ_RPC_PREFIXES + CHECK_RPC_PREFIXES)
