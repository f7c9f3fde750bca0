"""Case search (number, title words, party names) and "my cases", newest first.

A query is split into terms; a term shaped like a case number (`26-12`) matches case numbers
by prefix (the btree `text_pattern_ops` index), any other term must appear in the title or a
party name (ILIKE over the trigram GIN index). A query that is one whole case number puts
that case first. Pages are a keyset on case_id, so a deep page costs what the first does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from psycopg import Connection

from services.common.court import is_case_number
from services.common.errors import CourtError
from services.docket import paging, store
from services.docket.models import CaseRecord, CounselRecord

PAGE_DEFAULT = 25
PAGE_MAX = 100
MAX_TERMS = 8
MAX_QUERY = 200
_NUMBER_PREFIX = re.compile(r"^\d{2}-\d{0,6}$")
LISTING = "cases"
# The cursor that continues after a first page holding only the exact match: every case_id
# is below it.
_FROM_THE_TOP = 2**62


@dataclass(frozen=True)
class Query:
    exact_number: str | None
    number_prefixes: list[str]
    words: list[str]


def parse_query(text: str) -> Query:
    if len(text) > MAX_QUERY:
        raise CourtError(
            "validation_failed",
            f"a search is at most {MAX_QUERY} characters",
            details={"field": "q"},
        )
    terms = text.split()
    if len(terms) > MAX_TERMS:
        raise CourtError(
            "validation_failed", f"a search has at most {MAX_TERMS} words", details={"field": "q"}
        )
    prefixes = [t for t in terms if _NUMBER_PREFIX.match(t)]
    words = [t for t in terms if not _NUMBER_PREFIX.match(t)]
    exact = terms[0] if len(terms) == 1 and is_case_number(terms[0]) else None
    return Query(exact_number=exact, number_prefixes=prefixes, words=words)


@dataclass(frozen=True)
class SearchPage:
    cases: list[CaseRecord]
    counsel: dict[int, list[CounselRecord]]
    next_token: str
    total: int


def search_cases(
    conn: Connection[Any],
    *,
    text: str,
    mine_account_id: str | None,
    page_token: str,
    page_size: int,
) -> SearchPage:
    query = parse_query(text)
    before = paging.decode(page_token, LISTING)
    limit = paging.page_size(page_size, default=PAGE_DEFAULT, maximum=PAGE_MAX)
    first: list[CaseRecord] = []
    extra = 0
    if query.exact_number is not None:
        exact = store.case_by_number(conn, query.exact_number)
        if exact is not None and (
            mine_account_id is None or store.is_counsel(conn, exact.case_id, mine_account_id)
        ):
            extra = 1
            if before is None:
                first = [exact]
    rows, total = store.search_cases(
        conn,
        number_prefixes=query.number_prefixes,
        words=query.words,
        counsel_account_id=mine_account_id,
        exclude_number=query.exact_number,
        before_case_id=before,
        limit=limit - len(first) + 1,  # one more than shown: is there a next page?
    )
    room = limit - len(first)
    rest = rows[:room]
    cases = first + rest
    next_token = ""
    if len(rows) > room:
        next_token = paging.encode(LISTING, rest[-1].case_id if rest else _FROM_THE_TOP)
    counsel = store.counsel_for(conn, [c.case_id for c in cases])
    return SearchPage(cases=cases, counsel=counsel, next_token=next_token, total=total + extra)
