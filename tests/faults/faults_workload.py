"""Attorneys filing petitions and motions through the edges, as real clients do.

Each attorney is one thread with its own seeded ``random.Random``. A filing keeps its
Idempotency-Key across retries; a connection error or a 5xx (or 429) is retried on the next
edge after a short pause, until a receipt comes back. Anything else is a refusal, which the
accounting reports (a valid filing must never be refused).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from support.pdf_corpus import text_pdf

log = logging.getLogger("faults")

RETRYABLE = {429, 500, 502, 503, 504}
WORDS = ("appeal", "record", "brief", "order", "agency", "review", "relief", "notice", "time")


@dataclass
class Receipt:
    filing_id: str
    kind: str  # petition | motion
    attorney: str  # account id
    case_number: str  # the motion's case; a petition's case is learned from its status
    attempts: int


@dataclass
class Attorney:
    account_id: str
    email: str
    token: str
    cases: list[str] = field(default_factory=list)
    pending_petitions: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """What the clients saw (shared by the attorney threads)."""

    receipts: list[Receipt] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    retries: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def retried(self, why: str) -> None:
        with self.lock:
            self.retries[why] += 1


def unique_pdf(rng: random.Random, kind: str) -> bytes:
    """A one-page searchable PDF of its own (letters only: nothing looks like an SSN)."""
    words = " ".join(rng.choice(WORDS) for _ in range(12))
    marker = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(24))
    return text_pdf([[f"{kind.title()} for the court", words, f"reference {marker}"]])


class Client:
    """One attorney's HTTP client over every edge, retrying as a browser script would."""

    def __init__(
        self, edges: list[str], attorney: Attorney, tally: Tally, *, give_up_seconds: float
    ) -> None:
        self._edges = edges
        self._next = 0
        self._http = httpx.Client(timeout=30)
        self._attorney = attorney
        self._tally = tally
        self._give_up = give_up_seconds

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, int]:
        """The first answer that is not a connection error, 5xx or 429; and the tries it took."""
        headers = {"Authorization": f"Bearer {self._attorney.token}", **kwargs.pop("headers", {})}
        deadline = time.monotonic() + self._give_up
        pause, tries = 0.2, 0
        while True:
            edge = self._edges[self._next % len(self._edges)]
            self._next += 1
            tries += 1
            try:
                response = self._http.request(method, edge + path, headers=headers, **kwargs)
                if response.status_code not in RETRYABLE:
                    return response, tries
                why = f"{response.status_code} {_code(response)}"
            except httpx.TransportError as exc:
                why = type(exc).__name__
            self._tally.retried(why)
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: no answer in {self._give_up:.0f}s ({why})")
            time.sleep(pause)
            pause = min(pause * 1.5, 2.0)


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code", ""))
    except (ValueError, AttributeError):
        return ""


def file_one(client: Client, attorney: Attorney, rng: random.Random, tally: Tally) -> None:
    _learn_cases(client, attorney)
    motion = bool(attorney.cases) and rng.random() < 0.6
    if motion:
        case_number = rng.choice(attorney.cases)
        metadata: dict[str, Any] = {
            "type": "motion",
            "case_number": case_number,
            "description": f"Motion to extend time ({rng.choice(WORDS)})",
        }
    else:
        case_number = ""
        metadata = {
            "type": "petition_for_review",
            "title": f"Petitioner {uuid.UUID(int=rng.getrandbits(128)).hex[:8]} v. Federal Agency",
            "case_type": "agency",
            "parties": [
                {"name": "A. Petitioner", "role": "petitioner"},
                {"name": "Federal Agency", "role": "respondent"},
            ],
            "description": "Petition for review of an agency order",
        }
    kind = "motion" if motion else "petition"
    files = [
        ("metadata", ("metadata.json", json.dumps(metadata).encode(), "application/json")),
        ("lead", ("lead.pdf", unique_pdf(rng, kind), "application/pdf")),
    ]
    key = str(uuid.UUID(int=rng.getrandbits(128)))
    response, tries = client.call(
        "POST", "/api/v1/filings", files=files, headers={"Idempotency-Key": key}
    )
    if response.status_code not in (200, 201):
        with tally.lock:
            tally.refusals.append(f"{kind}: {response.status_code} {response.text[:200]}")
        return
    filing_id = str(response.json()["filing_id"])
    with tally.lock:
        tally.receipts.append(
            Receipt(filing_id, kind, attorney.account_id, case_number, attempts=tries)
        )
    if not motion:
        attorney.pending_petitions.append(filing_id)


def _learn_cases(client: Client, attorney: Attorney) -> None:
    """The case numbers of this attorney's docketed petitions (one status call each)."""
    still = []
    for filing_id in attorney.pending_petitions:
        response, _ = client.call("GET", f"/api/v1/filings/{filing_id}")
        case_number = response.json().get("case_number") if response.status_code == 200 else None
        if case_number:
            attorney.cases.append(str(case_number))
        else:
            still.append(filing_id)
    attorney.pending_petitions = still


def run_attorneys(
    edges: list[str],
    attorneys: list[Attorney],
    tally: Tally,
    *,
    filings: int,
    seed: int,
    give_up_seconds: float,
) -> None:
    """``filings`` filings shared among the attorneys, each attorney a thread; what the
    clients saw goes into ``tally``."""
    errors: list[BaseException] = []
    quotas = [
        filings // len(attorneys) + (i < filings % len(attorneys)) for i in range(len(attorneys))
    ]

    def work(index: int) -> None:
        attorney = attorneys[index]
        rng = random.Random(f"{seed}-{index}")
        client = Client(
            edges[index % len(edges) :] + edges[: index % len(edges)],
            attorney,
            tally,
            give_up_seconds=give_up_seconds,
        )
        try:
            for _ in range(quotas[index]):
                file_one(client, attorney, rng, tally)
        except BaseException as exc:
            errors.append(exc)
        finally:
            client.close()

    threads = [
        threading.Thread(target=work, args=(i,), name=f"attorney-{i}")
        for i in range(len(attorneys))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise AssertionError(f"{len(errors)} attorney threads failed: {errors[0]!r}") from errors[0]
