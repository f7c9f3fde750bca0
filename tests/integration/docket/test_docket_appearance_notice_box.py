"""A notice of appearance as CM/ECF asks it, through the edge: the party represented and the
"Notice" box. Counsel with notices off get no NDAs in the case and are listed among those who
will not receive the electronic notice; a second appearance changes the choice, one record."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from support.acms_notice import SUBJECT, bold_fields
from support.api import Api, docketed_status, efiler, file, petition, wait_for
from support.pdf_corpus import text_1_page

from services.stack.smtp_sink import read_messages
from services.stack.supervisor import LocalStack

NOT_MAILED = "Case participants listed below will not receive this electronic notice:"


def _case_number(filer: Api, filing_id: str) -> str | None:
    return filer.get(f"/api/v1/filings/{filing_id}").json()["case_number"]


def _docketed(filer: Api, filing_id: str) -> int:
    return int(docketed_status(filer, filing_id)["entry_number"])


def _appear(lawyer: Api, clerk: Api, case_number: str, **extra: Any) -> int:
    metadata = {
        "type": "notice_of_appearance",
        "case_number": case_number,
        "parties": [{"name": "Federal Agency", "role": "respondent"}],
        **extra,
    }
    filed = file(lawyer, metadata, text_1_page())
    assert filed.status_code == 201, filed.text
    accepted = clerk.post(f"/api/v1/clerk/filings/{filed.json()['filing_id']}/accept")
    assert accepted.status_code == 200, accepted.text
    return _docketed(lawyer, filed.json()["filing_id"])


def _ndas(stack: LocalStack, case_number: str, entry: int) -> dict[str, EmailMessage]:
    return {
        str(m["To"]).rsplit("<", 1)[-1].rstrip(">").lower(): m
        for m in read_messages(stack.maildir)
        if m["X-OpenECF-Case"] == case_number and m["X-OpenECF-Entry"] == str(entry)
    }


def _motion(lead: Api, case_number: str) -> int:
    filed = file(
        lead,
        {"type": "motion", "case_number": case_number, "description": "to extend time"},
        text_1_page(),
    )
    assert filed.status_code == 201, filed.text
    return _docketed(lead, filed.json()["filing_id"])


def test_counsel_with_the_notice_box_off_get_no_ndas_and_are_listed_on_paper(
    edge_url: str, clerk: Api, stack: LocalStack
) -> None:
    lead = efiler(edge_url, clerk)
    opened = file(lead, petition(), text_1_page())
    assert opened.status_code == 201, opened.text
    case_number = wait_for(lambda: _case_number(lead, opened.json()["filing_id"]), timeout=30)
    government = efiler(edge_url, clerk)
    name = government.account["name"]
    address = government.account["email"].lower()

    _appear(government, clerk, case_number, receive_notices=False)
    counsel = lead.get(f"/api/v1/cases/{case_number}").json()["counsel"]
    mine = [c for c in counsel if c["account_id"] == government.account["account_id"]]
    assert [(c["party_name"], c["receive_notices"]) for c in mine] == [("Federal Agency", False)]

    entry = _motion(lead, case_number)
    ndas = wait_for(lambda: _ndas(stack, case_number, entry) or None, timeout=60, what="NDA")
    wait_for(lambda: len(_ndas(stack, case_number, entry)) >= 1, what="the lead's NDA")
    assert address not in _ndas(stack, case_number, entry)
    nda = ndas[lead.account["email"].lower()]
    subject = SUBJECT.match(nda["Subject"])
    assert subject is not None and subject["entry"] == f"{entry:03d}"
    html = nda.get_body(("html",))
    assert html is not None
    fields = {label: text for label, text, _ in bold_fields(str(html.get_content()))}
    assert f"{name} (counsel for Federal Agency)" in fields[NOT_MAILED]
    assert address not in fields["Notice will be electronically mailed to:"]

    # A second appearance, the box ticked: still one counsel record, now with notices.
    _appear(government, clerk, case_number, receive_notices=True)
    counsel = lead.get(f"/api/v1/cases/{case_number}").json()["counsel"]
    mine = [c for c in counsel if c["account_id"] == government.account["account_id"]]
    assert [(c["party_name"], c["receive_notices"]) for c in mine] == [("Federal Agency", True)]
    entry = _motion(lead, case_number)
    ndas = wait_for(
        lambda: (lambda n: n if address in n and len(n) >= 2 else None)(
            _ndas(stack, case_number, entry)
        ),
        timeout=60,
        what="both counsel's NDAs",
    )
    html = ndas[address].get_body(("html",))
    assert html is not None
    fields = {label: text for label, text, _ in bold_fields(str(html.get_content()))}
    assert name not in fields[NOT_MAILED]
    assert address in fields["Notice will be electronically mailed to:"].lower()


def test_a_notice_of_appearance_names_the_party_and_only_it_has_the_notice_box(
    edge_url: str, clerk: Api
) -> None:
    lead = efiler(edge_url, clerk)
    opened = file(lead, petition(), text_1_page())
    assert opened.status_code == 201, opened.text
    case_number = wait_for(lambda: _case_number(lead, opened.json()["filing_id"]), timeout=30)
    newcomer = efiler(edge_url, clerk)
    appearance = {"type": "notice_of_appearance", "case_number": case_number}
    refusals = [
        (newcomer, appearance, "parties"),
        (
            lead,
            {"type": "motion", "case_number": case_number, "receive_notices": False},
            "receive_notices",
        ),
        (
            newcomer,
            {
                **appearance,
                "parties": [{"name": "Agency", "role": "respondent"}],
                "receive_notices": "no",
            },
            "receive_notices",
        ),
    ]
    for filer, metadata, field in refusals:
        checked = file(filer, metadata, text_1_page(), check=True)
        if checked.status_code == 200:  # the service's check: a finding, nothing stored
            assert [f["code"] for f in checked.json()["findings"]] == ["validation_failed"]
        else:
            assert (checked.status_code, checked.json()["code"]) == (422, "validation_failed")
        refused = file(filer, metadata, text_1_page())
        assert (refused.status_code, refused.json()["code"]) == (422, "validation_failed")
        assert refused.json()["field"] == field, refused.json()
