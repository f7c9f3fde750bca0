"""The caller's PACER fee statement for a quarter (court-local calendar quarters)."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg_pool import ConnectionPool

from services.access import store
from services.access.fees import waived

# A statement lists the newest charges; the total always covers the whole quarter.
MAX_CHARGES_LISTED = 1000


@dataclass(frozen=True)
class Statement:
    quarter: str
    charges: list[store.Charge]
    total_cents: int

    @property
    def waived(self) -> bool:
        return waived(self.total_cents)


def statement(pool: ConnectionPool, *, account_id: str, quarter: str) -> Statement:
    with pool.connection() as conn:
        charges, total = store.quarter_charges(
            conn, account_id=account_id, quarter=quarter, limit=MAX_CHARGES_LISTED
        )
    return Statement(quarter=quarter, charges=charges, total_cents=total)
