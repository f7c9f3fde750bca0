"""Fair PDF checking through the edge, under real concurrency: refused callers cost nothing,
the first refused document stops the others, an account has a few checks at a time, and an
Idempotency-Key is claimed before any inspection."""

from __future__ import annotations

import hashlib
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
from support.api import Api, efiler, file, petition, register
from support.pdf_corpus import CORPUS, long_brief, text_pdf


@pytest.fixture(scope="module")
def attorney(edge_url: str, clerk: Api) -> Api:
    return efiler(edge_url, clerk)


def _unique_pdf(label: str) -> bytes:
    return text_pdf(
        [[f"Opening brief {label}.", "The agency erred; the petition should be granted."]]
    )


def _post(api: Api, path: str, files: list[Any], headers: dict[str, str]) -> httpx.Response:
    # Long briefs on a loaded machine outlast Api's 30 s: the edge itself allows 120 s.
    headers = {**headers, "Authorization": f"Bearer {api.token}"}
    response = httpx.post(api.base_url + path, files=files, headers=headers, timeout=150)
    assert response.status_code < 500, response.text
    return response


def _files(lead: bytes, attachments: tuple[bytes, ...] = ()) -> list[Any]:
    return [
        ("metadata", ("m.json", json.dumps(petition()).encode(), "application/json")),
        ("lead", ("lead.pdf", lead, "application/pdf")),
        *[("attachments", (f"a{i}.pdf", a, "application/pdf")) for i, a in enumerate(attachments)],
    ]


def _check(
    api: Api, lead: bytes, attachments: tuple[bytes, ...] = (), query: str = ""
) -> httpx.Response:
    return _post(api, "/api/v1/filings/check" + query, _files(lead, attachments), {})


def _count(database_url: str, sql: str, params: list[object]) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return int(row[0])


def test_twenty_parallel_submits_with_one_key_make_one_filing_and_store_one_document(
    attorney: Api, database_url: str
) -> None:
    key, metadata, lead = str(uuid.uuid4()), petition(), _unique_pdf(str(uuid.uuid4()))
    sha = hashlib.sha256(lead).hexdigest()
    with ThreadPoolExecutor(max_workers=20) as threads:
        responses = list(threads.map(lambda _: file(attorney, metadata, lead, key=key), range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
    receipts = [r.json() for r in responses]
    assert len({r["filing_id"] for r in receipts}) == 1
    assert sorted(r["replayed"] for r in receipts) == [False] + [True] * 19
    # One set of documents in the vault and in filing's own table: no orphans.
    stored = "SELECT count(*) FROM access.documents WHERE sha256 = %s"
    assert _count(database_url, stored, [sha]) == 1
    listed = "SELECT count(*) FROM filing.filing_documents WHERE sha256 = %s"
    assert _count(database_url, listed, [sha]) == 1
    assert _count(database_url, "SELECT count(*) FROM filing.filing_claims", []) == 0


def test_a_key_in_use_for_another_filing_is_a_conflict_while_the_first_is_checked(
    attorney: Api,
) -> None:
    key = str(uuid.uuid4())
    first, second = _unique_pdf("one"), _unique_pdf("two")
    with ThreadPoolExecutor(max_workers=2) as threads:
        a, b = threads.map(lambda lead: file(attorney, petition(), lead, key=key), (first, second))
    codes = sorted((r.status_code, r.json().get("code")) for r in (a, b))
    assert codes == [(201, None), (409, "duplicate")], [a.text, b.text]


def test_a_caller_the_rules_refuse_gets_no_pdf_inspected(edge_url: str) -> None:
    public, _ = register(edge_url, "public")
    # The file would be refused for its JavaScript if it were opened.
    checked = _check(public, CORPUS["js_open_action"].make(), (CORPUS["image_only"].make(),))
    assert checked.status_code == 200, checked.text
    assert [f["code"] for f in checked.json()["findings"]] == ["not_efiler"]
    filed = file(public, petition(), CORPUS["js_open_action"].make())
    assert (filed.status_code, filed.json()["code"]) == (403, "not_efiler")


def test_the_first_refused_document_stops_the_others_unless_all_are_asked_for(
    attorney: Api,
) -> None:
    lead, exhibit = CORPUS["js_open_action"].make(), CORPUS["image_only"].make()
    first = _check(attorney, lead, (exhibit,))
    assert [(f["code"], f["document_index"]) for f in first.json()["findings"]] == [
        ("pdf_active_content", 0)
    ]
    every = _check(attorney, lead, (exhibit,), query="?all=true")
    assert [(f["code"], f["document_index"]) for f in every.json()["findings"]] == [
        ("pdf_active_content", 0),
        ("pdf_not_searchable", 1),
    ]
    filed = file(attorney, petition(), lead, (exhibit,))
    assert (filed.status_code, filed.json()["code"]) == (422, "pdf_active_content")


def test_an_account_has_a_few_checks_at_a_time_and_others_are_not_held_up(
    edge_url: str, clerk: Api
) -> None:
    busy, other = efiler(edge_url, clerk), efiler(edge_url, clerk)
    brief = long_brief(300)  # a second or more of checking each

    def check_brief(_: int) -> httpx.Response:
        return _check(busy, brief)

    with ThreadPoolExecutor(max_workers=6) as threads:
        answers = list(threads.map(check_brief, range(5)))
        meanwhile = _check(other, _unique_pdf("small"))
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(200) >= 1 and statuses.count(429) >= 1, statuses
    assert statuses.count(200) <= 4
    limited = next(r for r in answers if r.status_code == 429)
    assert limited.json()["code"] == "rate_limited"
    assert limited.headers["Retry-After"] == "5"
    assert all(r.json()["acceptable"] for r in answers if r.status_code == 200)
    assert meanwhile.status_code == 200 and meanwhile.json()["acceptable"] is True


def test_a_thousand_page_brief_is_filed(attorney: Api, database_url: str) -> None:
    brief = long_brief(1000)
    filed = _post(
        attorney, "/api/v1/filings", _files(brief), {"Idempotency-Key": str(uuid.uuid4())}
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["documents"][0]["pages"] == 1000
    # Each page's text length is recorded with the document.
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT page_text_chars FROM filing.filing_documents WHERE document_id = %s",
            [filed.json()["documents"][0]["document_id"]],
        ).fetchone()
    assert row is not None and len(row[0]) == 1000 and min(row[0]) > 1000


def test_a_key_whose_holder_died_is_taken_over_by_the_retry_within_seconds(
    attorney: Api, database_url: str
) -> None:
    """A filing process killed mid-filing leaves its claim behind; it is no longer renewed, so
    the client's retry with the same key takes it over after seconds, not minutes."""
    import time

    key = str(uuid.uuid4())
    lead = _unique_pdf(key)
    metadata = petition()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO filing.filing_claims (filer_account_id, idempotency_key, claim_id,"
            " request_sha256, claimed_at) VALUES (%s, %s, %s, %s, now() - interval '11 seconds')",
            [attorney.account["account_id"], key, str(uuid.uuid4()), "left by a killed process"],
        )
    started = time.monotonic()
    retried = file(attorney, metadata, lead, key=key)
    assert retried.status_code == 201, retried.text
    assert time.monotonic() - started < 10
