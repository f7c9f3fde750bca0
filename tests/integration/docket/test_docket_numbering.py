"""Entry numbers stay gapless under concurrent filings; a redelivered event records nothing."""

from __future__ import annotations

import threading

from court.v1 import common_pb2
from docket_driver import DocketDriver
from support.api import Api
from support.stack import COURT_TZ

from services.common.db import connect_pool
from services.common.events import new_event
from services.docket.filings import docket_filing


def test_fifty_filings_at_once_across_partitions_get_gapless_numbers(
    docket: DocketDriver, public: Api, title: str
) -> None:
    filer = docket.attorney()
    number = docket.open_case(filer, title=title)
    filings = [
        docket.filing(filer, common_pb2.FILING_TYPE_LETTER, case_number=number, description=f"#{n}")
        for n in range(50)
    ]
    futures = [
        # Keyed by filing id, so they spread over every partition of filing.events.
        docket.producer.send(
            "filing.events",
            key=f.filing_id.encode(),
            value=docket.envelope(f).SerializeToString(),
        )
        for f in filings
    ]
    partitions = {future.get(timeout=10).partition for future in futures}
    assert len(partitions) > 1
    entries = docket.wait_entries(public, number, 52, timeout=40)
    assert [e["number"] for e in entries] == list(range(1, 53))
    described = sorted(e["text"].rsplit("#", 1)[1] for e in entries[2:])
    assert described == sorted(f"{n}." for n in range(50))


def test_concurrent_transactions_against_the_real_database_keep_numbers_gapless(
    docket: DocketDriver, public: Api, database_url: str, title: str
) -> None:
    """As if several docket replicas docketed one case's filings at the same instant."""
    filer = docket.attorney()
    number = docket.open_case(filer, title=title)
    docket.wait_entries(public, number, 2)
    threads_count = 16
    pool = connect_pool(database_url, schema="docket", max_size=threads_count)
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def file_one(n: int) -> None:
        filing = docket.filing(
            filer, common_pb2.FILING_TYPE_MOTION, case_number=number, description=f"thread {n}"
        )
        try:
            barrier.wait(timeout=10)
            with pool.connection() as conn, conn.transaction():
                docket_filing(conn, filing, tz=COURT_TZ)
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=file_one, args=(n,)) for n in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with pool.connection() as conn:
            numbers = [
                row[0]
                for row in conn.execute(
                    "SELECT e.entry_number FROM entries e JOIN cases c USING (case_id)"
                    " WHERE c.case_number = %s ORDER BY 1",
                    [number],
                )
            ]
            last = conn.execute(
                "SELECT last_entry_number FROM cases WHERE case_number = %s", [number]
            ).fetchone()
    finally:
        pool.close()
    assert not errors, errors
    assert numbers == list(range(1, threads_count + 3))
    assert last == (threads_count + 2,)


def test_a_redelivered_or_repeated_filing_is_docketed_once(
    docket: DocketDriver, public: Api, title: str
) -> None:
    filer = docket.attorney()
    petition = docket.petition(filer, title=title)
    opening = docket.envelope(petition)
    docket.send(opening)
    docket.send(opening)  # the same envelope again: a redelivery
    # The same petition in a new envelope (a re-published event) opens no second case.
    docket.send(
        new_event(
            event_type="filing.submitted",
            source="filing",
            subject=petition.filing_id,
            payload=petition,
        )
    )
    number = docket.case_of(filer.api, title)
    motion = docket.filing(filer, common_pb2.FILING_TYPE_MOTION, case_number=number)
    envelope = docket.envelope(motion)
    for _ in range(3):
        docket.send(envelope, key=number)
    docket.send(docket.envelope(motion, accepted=True), key=number)  # and by another route
    # One partition (key = case): once the marker is docketed, every repeat was handled.
    marker = docket.filing(filer, common_pb2.FILING_TYPE_LETTER, case_number=number)
    docket.send(docket.envelope(marker), key=number)
    entries = docket.wait_entries(public, number, 4)
    assert [e["filing_type"] for e in entries] == [
        "petition_for_review",
        "court",
        "motion",
        "letter",
    ]
    found = public.get("/api/v1/cases", params={"q": title}).json()
    assert [c["case_number"] for c in found["cases"]] == [number]
