"""Importing an ACMS case again, against the real stack: what ACMS added or changed since the
last import is applied (entries with their numbers, texts, times and counts; fee status; seals;
parties and counsel), what the court did here stands, the identical file is ``unchanged``, and
a new ACMS entry whose number an entry docketed here has refuses the case whole.

The fixtures are built here: one ACMS case at successive moments of its life.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from court.v1 import common_pb2
from docket_driver import DocketDriver, docket_rows
from support.api import Api, register, unique
from support.cli import openecf

from services.stack.supervisor import LocalStack

CASE = "20-6101"
PETITIONER_COUNSEL = "reimport.petitioner@counsel.example"
AMICUS_COUNSEL = "reimport.amicus@counsel.example"


def party_row(name: str, role: str, attorney: str, email: str) -> str:
    return (
        f"<tr><td><b>{name}</b><br/>{role}</td><td><p><b>{attorney}</b><br/>Firm LLP<br/>"
        f'Email: <a href="mailto:{email}">{email}</a><br/>[COR LD NTC Retained]</p></td></tr>'
    )


def entry(number: int, text: str, day: str, **extra: Any) -> dict[str, Any]:
    return {
        "entryNumber": number,
        "docketEntryText": f"<p>{text}</p> [Entered: {day} 09:30 AM]",
        "endDate": "",
        "createdOn": f"{day} 09:15:00 AM",
        "documentCount": 1,
        "pageCount": 4,
        "restrictedDocsAvailable": False,
        "restrictedPartyFilingDocketEntry": False,
        **extra,
    }


FIRST: dict[str, Any] = {
    "caseDetails": {
        "caseNumber": CASE,
        "name": "Reimport Petitioner v. Garland",
        "receivedDate": "03/02/2020",
        "caseType": "Immigration",
        "caseSubType": "Petition for Review",
        "feeStatus": "IFP Pending",
        "districtCourtName": "Board of Immigration Appeals",
        "partyAttorneyList": "<table>"
        + party_row("REIMPORT PETITIONER", "Petitioner", "Pat Counsel", PETITIONER_COUNSEL)
        + party_row("MERRICK B. GARLAND", "Respondent", "OIL", "oil.ecf@usdoj.example")
        + "</table>",
    },
    "docketInfo": {
        "isCaseSealed": False,
        "docketEntries": [
            entry(1, "PETITION FOR REVIEW docketed.", "03/02/2020"),
            entry(2, "Filed Motion to proceed in forma pauperis.", "03/05/2020"),
            entry(3, "Filed order: the motion is referred.", "03/20/2020"),
        ],
    },
}


def later(document: dict[str, Any], *entries: dict[str, Any], **details: Any) -> dict[str, Any]:
    """The case as ACMS serves it later: more entries, some details changed."""
    changed = copy.deepcopy(document)
    changed["caseDetails"].update(details)
    changed["docketInfo"]["docketEntries"] += list(entries)
    return changed


SECOND = later(
    FIRST,
    entry(4, "Filed Opening Brief.", "06/01/2020", documentCount=2, pageCount=52),
    entry(5, "Filed Motion to seal.", "06/03/2020", restrictedPartyFilingDocketEntry=True),
    entry(6, "Filed order granting IFP.", "06/10/2020", documentCount=0, pageCount=0),
    feeStatus="IFP Granted",
    partyAttorneyList=FIRST["caseDetails"]["partyAttorneyList"].replace(
        "</table>",
        party_row("IMMIGRANT RIGHTS GROUP", "Amicus Curiae", "Amy Amicus", AMICUS_COUNSEL)
        + "</table>",
    ),
)
# ACMS restricted entry 2 since the first import.
SECOND["docketInfo"]["docketEntries"][1]["restrictedPartyFilingDocketEntry"] = True
THIRD = later(SECOND, entry(8, "Filed Reply Brief.", "08/01/2020"))


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / f"{unique('acms')}.json"
    path.write_text(json.dumps(document))
    return path


def snapshot(database_url: str) -> list[tuple[Any, ...]]:
    """Everything a (re-)import may write for the case."""
    return docket_rows(
        database_url,
        "SELECT (SELECT row_to_json(c)::text FROM cases c WHERE case_number = %s),"
        " (SELECT json_agg(e ORDER BY entry_number)::text FROM entries e"
        "  JOIN cases c USING (case_id) WHERE case_number = %s),"
        " (SELECT json_agg(k ORDER BY account_id)::text FROM counsel k"
        "  JOIN cases c USING (case_id) WHERE case_number = %s),"
        " (SELECT count(*) FROM outbox WHERE key = %s),"
        " (SELECT count(*) FROM fee_status_changes f JOIN cases c USING (case_id)"
        "  WHERE case_number = %s)",
        *[CASE] * 5,
    )


def test_a_case_imported_again_gains_what_acms_added_and_keeps_what_the_court_did(
    stack: LocalStack,
    edge_url: str,
    database_url: str,
    tmp_path: Path,
    public: Api,
    clerk: Api,
    docket: DocketDriver,
) -> None:
    pat, _ = register(edge_url, "attorney", name="Pat Counsel", email=PETITIONER_COUNSEL)
    amy, _ = register(edge_url, "attorney", name="Amy Amicus", email=AMICUS_COUNSEL)
    first = openecf(stack, "import", "acms", write(tmp_path, FIRST))
    assert first.returncode == 0, first.stderr
    assert f"case {CASE} imported, 3 entries, 1 counsel of record" in first.stdout

    # ACMS worked on: three entries, an IFP decision, a restricted entry, an amicus.
    second_file = write(tmp_path, SECOND)
    second = openecf(stack, "import", "acms", second_file)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == (
        f"{second_file}: case {CASE} updated: 3 entries added, 1 entry sealed,"
        " fee status ifp_granted, 1 party added, 1 counsel of record added"
    )
    entries = public.get(f"/api/v1/cases/{CASE}/docket").json()["entries"]
    assert [(e["number"], e["sealed"]) for e in entries] == [
        (1, False),
        (2, True),
        (3, False),
        (4, False),
        (5, True),
        (6, False),
    ]
    assert entries[3]["text"] == "Filed Opening Brief."
    # ACMS's counts are shown (the documents stay in ACMS); not for a sealed entry's public.
    assert entries[3]["acms_documents"] == {"count": 2, "pages": 52}
    assert entries[5]["acms_documents"] == {"count": 0, "pages": 0}
    assert entries[4]["acms_documents"] is None
    staff = clerk.get(f"/api/v1/cases/{CASE}/docket").json()["entries"]
    assert staff[4]["acms_documents"] == {"count": 1, "pages": 4}
    assert entries[3]["filed_at"]["utc"] == "2020-06-01T16:15:00Z"  # 09:15 PDT
    assert entries[3]["entered_at"]["utc"] == "2020-06-01T16:30:00Z"
    counts = docket_rows(
        database_url,
        "SELECT entry_number, acms_imported, acms_document_count, acms_page_count FROM entries"
        " JOIN cases USING (case_id) WHERE case_number = %s ORDER BY entry_number",
        CASE,
    )
    assert counts == [
        (1, True, 1, 4),
        (2, True, 1, 4),
        (3, True, 1, 4),
        (4, True, 2, 52),
        (5, True, 1, 4),
        (6, True, 0, 0),
    ]
    case = public.get(f"/api/v1/cases/{CASE}").json()
    assert (case["fee_status"], case["last_entry_number"]) == ("ifp_granted", 6)
    assert {"name": "IMMIGRANT RIGHTS GROUP", "role": "amicus"} in case["parties"]
    assert {c["account_id"] for c in case["counsel"]} == {
        pat.account["account_id"],
        amy.account["account_id"],
    }
    # The new counsel is announced like an appearance (filing, access, notify learn it); the
    # past entries are not announced (no NDA for them).
    announced = docket_rows(
        database_url,
        "SELECT event_type, count(*) FROM outbox WHERE key = %s GROUP BY event_type"
        " ORDER BY event_type",
        CASE,
    )
    assert announced == [("docket.appearance_entered", 1), ("docket.case_opened", 1)]

    # The identical file again: unchanged, nothing written.
    before = snapshot(database_url)
    again = openecf(stack, "import", "acms", second_file)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"{second_file}: case {CASE} unchanged (imported before)"
    assert snapshot(database_url) == before

    # The court works here: a brief docketed (entry 7), the clerk records the fee as paid.
    docket.submit(docket.filing(docket.attorney(), common_pb2.FILING_TYPE_BRIEF, case_number=CASE))
    native = docket.wait_entries(public, CASE, 7)[-1]
    assert native["number"] == 7
    paid = clerk.request(
        "PUT", f"/api/v1/clerk/cases/{CASE}/fee-status", json={"fee_status": "paid"}
    )
    assert paid.status_code == 200, paid.text

    # ACMS adds entry 8 (its fee status still IFP Granted): the entry comes, the court's
    # fee status and entry 7 stand.
    third = openecf(stack, "import", "acms", write(tmp_path, THIRD))
    assert third.returncode == 0, third.stderr
    assert third.stdout.strip().endswith(f"case {CASE} updated: 1 entry added")
    after = public.get(f"/api/v1/cases/{CASE}/docket").json()["entries"]
    assert [e["number"] for e in after] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert after[6] == native and native["acms_documents"] is None
    assert public.get(f"/api/v1/cases/{CASE}").json()["fee_status"] == "paid"

    # ACMS's own entry 7 collides with the one docketed here: refused whole, one line.
    before = snapshot(database_url)
    clash = later(
        THIRD,
        entry(7, "Filed letter.", "07/15/2020"),
        entry(9, "Filed order.", "09/01/2020"),
        feeStatus="Waived",
    )
    refused = openecf(stack, "import", "acms", write(tmp_path, clash))
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.strip() == (
        f"openecf: import_conflict: case {CASE}: ACMS entry 7 has the number of an entry"
        " docketed here after the import; nothing of this case was imported"
    )
    assert snapshot(database_url) == before


def test_acms_sealing_and_lifting_its_seal_leaves_the_courts_own_seal(
    stack: LocalStack, tmp_path: Path, public: Api, clerk: Api
) -> None:
    number = "20-6102"
    plain = copy.deepcopy(FIRST)
    plain["caseDetails"]["caseNumber"] = number
    assert openecf(stack, "import", "acms", write(tmp_path, plain)).returncode == 0
    sealed_here = clerk.post(f"/api/v1/clerk/cases/{number}/entries/3/seal")
    assert sealed_here.status_code == 200, sealed_here.text

    sealed = copy.deepcopy(plain)
    sealed["docketInfo"]["isCaseSealed"] = True
    done = openecf(stack, "import", "acms", write(tmp_path, sealed))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"case {number} updated: 2 entries sealed")
    entries = public.get(f"/api/v1/cases/{number}/docket").json()["entries"]
    assert [e["sealed"] for e in entries] == [True, True, True]

    lifted = openecf(stack, "import", "acms", write(tmp_path, plain))
    assert lifted.returncode == 0, lifted.stderr
    assert lifted.stdout.strip().endswith(f"case {number} updated: 2 entries unsealed")
    entries = public.get(f"/api/v1/cases/{number}/docket").json()["entries"]
    assert [(e["number"], e["sealed"]) for e in entries] == [(1, False), (2, False), (3, True)]
