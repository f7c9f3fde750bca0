"""The party list a re-import writes: ACMS's new parties appended, its new counsel added to
parties already here, nobody removed, and parties added here kept."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.docket.acms import parse_case
from services.docket.imports import merged_parties, parties_json

TZ = ZoneInfo("America/Los_Angeles")


def row(name: str, role: str, *attorneys: tuple[str, str]) -> str:
    blocks = "".join(f"<p><b>{a}</b><br/>Email: {e}</p>" for a, e in attorneys)
    return f"<tr><td><b>{name}</b><br/>{role}</td><td>{blocks}</td></tr>"


def case(*rows: str):  # type: ignore[no-untyped-def]
    return parse_case(
        {
            "caseDetails": {
                "caseNumber": "20-6201",
                "name": "A v. B",
                "receivedDate": "03/02/2020",
                "caseType": "Agency",
                "partyAttorneyList": "<table>" + "".join(rows) + "</table>",
            },
            "docketInfo": {"docketEntries": []},
        },
        tz=TZ,
    )


def test_the_same_table_changes_nothing() -> None:
    first = case(row("A CO.", "Petitioner", ("Ann", "ann@x.example")))
    known = parties_json(first)
    assert merged_parties(known, first) == (known, 0, 0)


def test_new_parties_and_counsel_are_added_and_nothing_is_removed() -> None:
    first = case(
        row("A CO.", "Petitioner", ("Ann", "ann@x.example")),
        row("B AGENCY", "Respondent"),
    )
    known = [*parties_json(first), {"name": "ADDED HERE", "role": "intervenor"}]
    later = case(
        row("A CO.", "Petitioner", ("Ann", "ann@x.example"), ("Bo", "bo@x.example")),
        row("C GROUP", "Amicus", ("Cy", "cy@x.example")),
    )  # B AGENCY is gone from ACMS's table: it stays here
    merged, parties, named = merged_parties(known, later)
    assert (parties, named) == (1, 1)
    assert [(p["name"], p["role"]) for p in merged] == [
        ("A CO.", "petitioner"),
        ("B AGENCY", "respondent"),
        ("ADDED HERE", "intervenor"),
        ("C GROUP", "amicus"),
    ]
    assert [a["name"] for a in merged[0]["acms_counsel"]] == ["Ann", "Bo"]
    assert known[0]["acms_counsel"] == [{"name": "Ann", "firm": "", "email": "ann@x.example"}]
