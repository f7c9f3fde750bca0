"""``openecf import acms FILE...`` against the real stack, read back through the edge; and the
case's fee status, set by the clerk through the edge."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from court.v1 import common_pb2
from docket_driver import DocketDriver, docket_rows
from support.api import Api, efiler, file, register, unique, wait_for
from support.cli import openecf
from support.pdf_corpus import text_1_page

from services.stack.supervisor import LocalStack

DATA = Path(__file__).resolve().parents[2] / "data" / "acms"
ADA = "ada.lovelace@lovelace-law.example"  # counsel in normal.json
GRACE = "grace.hopper@hopper-partners.example"  # counsel in gaps.json


def case_state(database_url: str, number: str) -> list[tuple[Any, ...]]:
    """Everything an import writes for a case: its row, entries, counsel and outbox rows."""
    return docket_rows(
        database_url,
        "SELECT (SELECT row_to_json(c)::text FROM cases c WHERE case_number = %s),"
        " (SELECT count(*) FROM entries e JOIN cases c USING (case_id) WHERE case_number = %s),"
        " (SELECT count(*) FROM counsel k JOIN cases c USING (case_id) WHERE case_number = %s),"
        " (SELECT count(*) FROM outbox WHERE key = %s),"
        " (SELECT last_number FROM case_number_sequences WHERE series = 'acms' AND year = 24)",
        number,
        number,
        number,
        number,
    )


def variant(tmp_path: Path, source: str, **details: Any) -> Path:
    """A copy of a fixture with some caseDetails changed."""
    document = json.loads((DATA / source).read_text())
    document["caseDetails"].update(details)
    path = tmp_path / f"{unique('acms')}.json"
    path.write_text(json.dumps(document))
    return path


@pytest.fixture(scope="module")
def ada(edge_url: str, clerk: Api) -> Api:
    """The e-filer whose address normal.json names: counsel of record once imported."""
    return efiler(edge_url, clerk, name="Ada Lovelace", email=ADA, firm="Lovelace Law")


@pytest.fixture(scope="module")
def normal(stack: LocalStack, ada: Api) -> subprocess.CompletedProcess[str]:
    return openecf(stack, "import", "acms", DATA / "normal.json")


def test_a_normal_case_keeps_number_type_entries_times_and_fee_status(
    normal: subprocess.CompletedProcess[str], public: Api, ada: Api
) -> None:
    assert normal.returncode == 0, normal.stderr
    assert normal.stdout.strip().endswith(
        "case 24-1234 imported, 5 entries, 1 counsel of record"
        " (no account here for: Office of Immigration Litigation)"
    )
    case = public.get("/api/v1/cases/24-1234").json()
    assert (case["title"], case["case_type"], case["case_subtype"]) == (
        "Maria Lopez-Garcia v. Merrick B. Garland",
        "immigration",
        "Petition for Review",
    )
    assert (case["fee_status"], case["imported"], case["last_entry_number"]) == (
        "ifp_granted",
        True,
        5,
    )
    assert case["opened_at"]["local_date"] == "2024-01-15"
    assert case["parties"] == [
        {"name": "MARIA LOPEZ-GARCIA", "role": "petitioner"},
        {"name": "MERRICK B. GARLAND, Attorney General", "role": "respondent"},
    ]
    assert case["counsel"] == [
        {
            "account_id": ada.account["account_id"],
            "name": "Ada Lovelace",
            "firm": "Lovelace Law",
            "party_name": "MARIA LOPEZ-GARCIA",
            "receive_notices": True,
        }
    ]
    entries = public.get("/api/v1/cases/24-1234/docket").json()["entries"]
    assert [e["number"] for e in entries] == [1, 2, 3, 4, 5]
    first, fourth = entries[0], entries[3]
    assert first["text"] == (
        "PETITION FOR REVIEW of an order of the Board of Immigration Appeals. Docketed 01/16/2024."
    )
    # Court-local times in, UTC stored: January is UTC-8, July UTC-7.
    assert first["filed_at"]["utc"] == "2024-01-16T00:42:10Z"
    assert first["filed_at"]["local_date"] == "2024-01-15"
    assert first["entered_at"]["utc"] == "2024-01-16T17:14:00Z"
    assert fourth["filed_at"]["utc"] == "2024-07-09T06:59:30Z"
    assert fourth["filed_at"]["local_date"] == "2024-07-08"  # 23:59:30 Pacific is the 8th
    assert all(not e["sealed"] and e["documents"] == [] for e in entries)


def test_the_a_number_is_hidden_from_the_public_and_shown_to_counsel_and_staff(
    normal: subprocess.CompletedProcess[str], public: Api, ada: Api, clerk: Api
) -> None:
    for path in ("/api/v1/cases/24-1234", "/api/v1/cases/24-1234/docket"):
        assert "A201-555-123" not in public.get(path).text
    assert "A201-555-123" not in public.get("/api/v1/cases", params={"q": "Lopez-Garcia"}).text
    assert public.get("/api/v1/cases", params={"q": "A201-555-123"}).json()["cases"] == []
    for reader in (ada, clerk):
        case = reader.get("/api/v1/cases/24-1234").json()
        assert case["origin"] == {
            "agency": "Board of Immigration Appeals",
            "alien_number": "A201-555-123",
        }


def test_imported_counsel_file_through_the_edge_and_new_entries_follow_the_imported_ones(
    normal: subprocess.CompletedProcess[str], docket: DocketDriver, public: Api, ada: Api
) -> None:
    # Filing learned the case and its counsel from docket.case_opened: Ada may file in it.
    motion = {"type": "motion", "case_number": "24-1234", "description": "a stay of removal"}
    receipt = wait_for(
        lambda: (r := file(ada, motion, text_1_page())).status_code == 201 and r,
        20,
        what="the imported case known to filing",
    )
    assert receipt.json()["case_number"] == "24-1234"
    sixth = docket.wait_entries(public, "24-1234", 6)[-1]
    assert sixth["number"] == 6 and sixth["text"].startswith("MOTION filed by Ada Lovelace")
    found = docket.docket_events(
        "24-1234", until=lambda events: any(t == "docket.entry_recorded" for t, _ in events)
    )
    # The case is announced (filing, access and notify learn it and its counsel); the past
    # entries are not, so no NDA goes out for them: only entry 6 is an entry event.
    assert [t for t, _ in found] == ["docket.case_opened", "docket.entry_recorded"]
    opened, recorded = found[0][1], found[1][1]
    assert [c.account_id for c in opened.counsel] == [ada.account["account_id"]]
    assert "A201" not in str(opened)
    assert recorded.entry_number == 6


def test_importing_again_changes_nothing(
    normal: subprocess.CompletedProcess[str], stack: LocalStack, database_url: str
) -> None:
    before = case_state(database_url, "24-1234")
    again = openecf(stack, "import", "acms", DATA / "normal.json")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("case 24-1234 unchanged (imported before)")
    assert case_state(database_url, "24-1234") == before


def test_gaps_in_entry_numbers_are_kept_and_the_next_entry_follows_the_highest(
    stack: LocalStack, edge_url: str, docket: DocketDriver, public: Api
) -> None:
    register(edge_url, "attorney", name="Grace Hopper", email=GRACE)
    done = openecf(stack, "import", "acms", DATA / "gaps.json")
    assert done.returncode == 0, done.stderr
    assert "case 23-4567 imported, 5 entries, 1 counsel of record" in done.stdout
    # Pages of two walk the gaps without losing or repeating an entry.
    numbers, token = [], ""
    while True:
        page = docket.docket(public, "23-4567", page_size=2, page_token=token)
        numbers += [e["number"] for e in page["entries"]]
        token = page["next_page_token"] or ""
        if not token:
            break
    assert numbers == [1, 2, 5, 9, 10]
    assert page["total_size"] == 5  # entries counted, not the highest number
    filer = docket.attorney()
    docket.submit(docket.filing(filer, common_pb2.FILING_TYPE_BRIEF, case_number="23-4567"))
    assert docket.wait_entries(public, "23-4567", 6)[-1]["number"] == 11
    case = public.get("/api/v1/cases/23-4567").json()
    assert (case["case_type"], case["fee_status"], case["origin"]) == (
        "agency",
        "paid",
        {"agency": "Federal Maritime Commission"},
    )
    assert case["counsel"][0]["party_name"] == "PACIFIC SHIPPING CO."


def test_sealed_cases_and_restricted_entries_show_their_text_to_court_staff_only(
    stack: LocalStack, public: Api, clerk: Api
) -> None:
    done = openecf(stack, "import", "acms", DATA / "sealed.json", DATA / "restricted.json")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 2
    sealed = public.get("/api/v1/cases/22-3001/docket").json()["entries"]
    assert [(e["sealed"], e["text"]) for e in sealed] == [(True, ""), (True, "")]
    staff = clerk.get("/api/v1/cases/22-3001/docket").json()["entries"]
    assert staff[0]["text"] == "PETITION FOR REVIEW filed under seal."
    restricted = public.get("/api/v1/cases/25-210/docket").json()["entries"]
    assert [e["number"] for e in restricted if e["sealed"]] == [3]
    assert restricted[2]["text"] == "" and restricted[3]["text"].startswith("Filed order")
    assert public.get("/api/v1/cases/25-210").json()["fee_status"] == "waived"


def test_html_in_the_party_table_and_entries_becomes_plain_text(
    stack: LocalStack, public: Api
) -> None:
    done = openecf(stack, "import", "acms", DATA / "html.json")
    assert done.returncode == 0, done.stderr
    case = public.get("/api/v1/cases/21-5002").json()
    assert case["title"] == "Nguyen & Tran v. Garland"
    assert case["parties"] == [
        {"name": "THI NGUYEN & VAN TRAN", "role": "petitioner"},
        {"name": "MERRICK B. GARLAND", "role": "respondent"},
    ]
    assert case["fee_status"] is None  # ACMS had none
    texts = [e["text"] for e in public.get("/api/v1/cases/21-5002/docket").json()["entries"]]
    assert texts[0] == "PETITION FOR REVIEW & motion for stay of removal. Petition (12 pages)"
    assert "<script" not in json.dumps(texts) and "alert" not in json.dumps(texts)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("malformed-bad-time.json", "(entry 4).createdOn: 'July 8th' is not a date or time"),
        ("malformed-duplicate-entry.json", "entry 4 appears twice"),
        ("malformed-case-type.json", "caseType: 'Bankruptcy' is not one of"),
        ("malformed-truncated.json", "not JSON (Unterminated string"),
        ("malformed-control-char.json", "U+202E"),
    ],
)
def test_a_malformed_file_is_one_line_a_non_zero_exit_and_nothing_written(
    stack: LocalStack, tmp_path: Path, database_url: str, name: str, says: str, public: Api
) -> None:
    good = variant(tmp_path, "normal.json", caseNumber="24-8001")
    before = docket_rows(database_url, "SELECT count(*) FROM cases")
    done = openecf(stack, "import", "acms", good, DATA / name)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"openecf: {DATA / name}: "), done.stderr
    assert says in lines[0]
    # The good file before it was not written either: every file is checked first.
    assert docket_rows(database_url, "SELECT count(*) FROM cases") == before
    assert public.get("/api/v1/cases/24-8001").status_code == 404


def test_a_missing_file_is_one_line_too(stack: LocalStack, tmp_path: Path) -> None:
    done = openecf(stack, "import", "acms", tmp_path / "nope.json")
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"openecf: {tmp_path / 'nope.json'}: cannot read it (No such file or directory)"
    )


def test_new_case_numbers_never_collide_with_imported_ones(
    stack: LocalStack, tmp_path: Path, docket: DocketDriver, public: Api, title: str
) -> None:
    year = datetime.now(UTC).astimezone(stack.settings.tz).year % 100
    high = f"{year:02d}-4321"
    done = openecf(stack, "import", "acms", variant(tmp_path, "gaps.json", caseNumber=high))
    assert done.returncode == 0, done.stderr
    opened = docket.open_case(docket.attorney(), title=title)
    assert opened.startswith(f"{year:02d}-") and int(opened.split("-")[1]) > 4321
    # A case opened here is never overwritten by an import of the same number.
    clash = openecf(stack, "import", "acms", variant(tmp_path, "gaps.json", caseNumber=opened))
    assert clash.returncode == 1
    assert clash.stderr.strip() == (
        f"openecf: duplicate: case {opened} was opened here, not imported: not overwritten"
    )
    assert public.get(f"/api/v1/cases/{opened}").json()["title"] == title


# -- fee status ---------------------------------------------------------------------------


def test_the_clerk_sets_the_fee_status_and_everyone_sees_it(
    normal: subprocess.CompletedProcess[str],
    clerk: Api,
    public: Api,
    database_url: str,
) -> None:
    path = "/api/v1/clerk/cases/24-1234/fee-status"
    for status in ("ifp_pending", "paid"):
        reply = clerk.request("PUT", path, json={"fee_status": status})
        assert reply.status_code == 200, reply.text
        assert reply.json()["fee_status"] == status
    assert public.get("/api/v1/cases/24-1234").json()["fee_status"] == "paid"
    assert public.get("/api/v1/cases/24-1234/docket").json()["case"]["fee_status"] == "paid"
    audit = docket_rows(
        database_url,
        "SELECT from_status, to_status, changed_by::text FROM fee_status_changes"
        " JOIN cases USING (case_id) WHERE case_number = '24-1234' ORDER BY change_id",
    )
    clerk_id = clerk.account["account_id"]
    assert audit[-2:] == [
        ("ifp_granted", "ifp_pending", clerk_id),
        ("ifp_pending", "paid", clerk_id),
    ]
    # The same status again writes nothing.
    assert clerk.request("PUT", path, json={"fee_status": "paid"}).status_code == 200
    again = docket_rows(
        database_url,
        "SELECT 1 FROM fee_status_changes JOIN cases USING (case_id) WHERE case_number = '24-1234'",
    )
    assert len(again) == len(audit)


def test_fee_status_refusals_have_stable_codes(
    normal: subprocess.CompletedProcess[str],
    clerk: Api,
    admin: Api,
    ada: Api,
    public: Api,
    edge_url: str,
) -> None:
    path = "/api/v1/clerk/cases/24-1234/fee-status"
    bad = clerk.request("PUT", path, json={"fee_status": "maybe"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_fee_status")
    for who in (ada, admin, public):
        refused = who.request("PUT", path, json={"fee_status": "waived"})
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    anonymous = Api(edge_url).request("PUT", path, json={"fee_status": "waived"})
    assert anonymous.status_code == 401
    missing = clerk.request(
        "PUT", "/api/v1/clerk/cases/24-9999/fee-status", json={"fee_status": "paid"}
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    extra = clerk.request("PUT", path, json={"fee_status": "paid", "by": "me"})
    assert extra.status_code == 422
    assert public.get("/api/v1/cases/24-1234").json()["fee_status"] != "waived"
