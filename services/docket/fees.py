"""The case's filing-fee status (ACMS's "Fee Status"): paid, IFP pending, IFP granted, waived.

The values are the proto enum's (``FeeStatus``); the table keeps their lower-case names and
``""`` until one is recorded. Only a clerk sets it, and every change is kept (who, when, from,
to) in ``fee_status_changes``.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from psycopg import Connection

from services.common.clock import Clock, system_clock
from services.common.court import check_case_number
from services.common.enums import fee_status_names
from services.common.errors import CourtError
from services.common.principal import Principal
from services.docket import store
from services.docket.models import CaseRecord

log = logging.getLogger(__name__)

FEE_STATUSES: dict[str, int] = fee_status_names()
FEE_STATUS_NAMES = {number: name for name, number in FEE_STATUSES.items()}
NOT_RECORDED = ""


def check_fee_status(value: str) -> str:
    """A fee status name as ACMS or a person writes it (`IFP Granted`, `ifp_granted`) → ours."""
    name = "_".join(value.strip().lower().replace("-", " ").split())
    if name not in FEE_STATUSES:
        raise CourtError(
            "invalid_fee_status",
            f"fee status {value.strip()[:40]!r} is not one of " + ", ".join(FEE_STATUSES),
            details={"field": "fee_status"},
        )
    return name


def fee_status_of(number: int) -> str:
    """The wire value → a name; the zero value (or an unknown one) is refused."""
    name = FEE_STATUS_NAMES.get(number)
    if name is None:
        raise CourtError(
            "invalid_fee_status",
            "fee_status must be one of " + ", ".join(FEE_STATUSES),
            details={"field": "fee_status"},
        )
    return name


def set_fee_status(
    conn: Connection[Any],
    *,
    case_number: str,
    fee_status: str,
    clerk: Principal,
    clock: Clock = system_clock,
) -> CaseRecord:
    """Record the case's fee status; an unchanged status writes nothing (not even the audit)."""
    fee_status = check_fee_status(fee_status)
    case = store.case_by_number(conn, check_case_number(case_number), lock=True)
    if case is None:
        raise CourtError("not_found", f"no case {case_number.strip()}")
    if case.fee_status == fee_status:
        return case
    store.set_fee_status(
        conn,
        case_id=case.case_id,
        from_status=case.fee_status,
        to_status=fee_status,
        by=clerk.account_id,
        at=clock.now(),
    )
    log.info(
        "fee status set",
        extra={"case_number": case.case_number, "fee_status": fee_status},
    )
    return dataclasses.replace(case, fee_status=fee_status)
