"""Paper service due, through the edge on the real stack: an entry in a case with a party
served by mail puts that party on the clerk's list, with one printable PDF (the NDA, then the
entry's documents), until the clerk marks it served."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pypdf
import pytest
from support.api import (
    Api,
    docketed_status,
    efiler,
    file,
    mail_to,
    maildir_of,
    notice_of_appearance,
    petition,
    received,
    wait_for,
)
from support.pdf_corpus import text_1_page, text_10_pages
from support.stack import court_today

MOTION = {"type": "motion", "description": "for an extension of time"}


@pytest.fixture(scope="module")
def attorney(edge_url: str, clerk: Api) -> Api:
    return efiler(edge_url, clerk)


@pytest.fixture(scope="module")
def case_number(attorney: Api) -> str:
    """A case whose respondent (Federal Agency) has no counsel and no e-mail: served by mail."""
    filed = file(attorney, petition(), text_1_page())
    assert filed.status_code == 201, filed.text
    return str(docketed_status(attorney, filed.json()["filing_id"])["case_number"])


def due_items(clerk: Api, case_number: str, *, include_served: bool = False) -> list[Any]:
    listed = clerk.get(
        "/api/v1/clerk/paper-service", params={"include_served": str(include_served).lower()}
    )
    assert listed.status_code == 200, listed.text
    return [i for i in listed.json()["items"] if i["case_number"] == case_number]


def item_for(clerk: Api, case_number: str, entry_number: int) -> dict[str, Any]:
    return wait_for(
        lambda: next(
            (i for i in due_items(clerk, case_number) if i["entry_number"] == entry_number),
            None,
        ),
        timeout=60,
        what=f"paper service due for entry {entry_number}",
    )


def test_an_entry_is_due_for_paper_service_with_one_printable_packet(
    attorney: Api, clerk: Api, case_number: str
) -> None:
    motion = text_10_pages()
    filed = file(attorney, {**MOTION, "case_number": case_number}, motion)
    assert filed.status_code == 201, filed.text
    entry_number = docketed_status(attorney, filed.json()["filing_id"])["entry_number"]

    item = item_for(clerk, case_number, entry_number)
    assert item["participant"] == {
        "name": "Federal Agency",
        "detail": "respondent",
        "address": None,
    }
    assert item["served"] is False and item["entry_text"].startswith("MOTION filed by")
    assert [i["participant"]["name"] for i in due_items(clerk, case_number)].count(
        "Federal Agency"
    ) >= 2  # the petition's entry is due too

    packet = clerk.get(item["packet_url"])
    assert packet.status_code == 200, packet.text
    assert packet.headers["content-type"] == "application/pdf"
    pages = pypdf.PdfReader(io.BytesIO(packet.content)).pages
    nda = pages[0].extract_text()
    for label in ("Notice of Docket Activity", f"Case Number: {case_number}", "Docket Text:"):
        assert label in nda, nda
    assert "Federal Agency (respondent)" in "".join(p.extract_text() for p in pages[:-10])
    filed_pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(motion)).pages]
    assert [p.extract_text() for p in pages[-10:]] == filed_pages

    served = clerk.post(f"/api/v1/clerk/paper-service/{item['id']}/served")
    assert served.status_code == 200, served.text
    assert served.json()["served"] is True
    assert served.json()["served_by_account_id"] == clerk.account["account_id"]
    again = clerk.post(f"/api/v1/clerk/paper-service/{item['id']}/served")
    assert again.json()["served_at"] == served.json()["served_at"]
    assert item["id"] not in [i["id"] for i in due_items(clerk, case_number)]
    assert item["id"] in [i["id"] for i in due_items(clerk, case_number, include_served=True)]


def test_an_entry_sealed_after_it_was_recorded_leaves_the_packet_and_the_notices(
    attorney: Api, clerk: Api, case_number: str
) -> None:
    """notify hears of the seal: the party's packet is the NDA alone with no docket text, and
    counsel's notices list the entry without its text, as the docket sheet shows it."""
    filed = file(attorney, {**MOTION, "case_number": case_number}, text_10_pages())
    assert filed.status_code == 201, filed.text
    entry_number = docketed_status(attorney, filed.json()["filing_id"])["entry_number"]
    assert item_for(clerk, case_number, entry_number)["documents"]
    sealed = clerk.post(f"/api/v1/clerk/cases/{case_number}/entries/{entry_number}/seal")
    assert sealed.status_code == 200, sealed.text

    def item_sealed() -> dict[str, Any] | None:
        item = item_for(clerk, case_number, entry_number)
        return item if item["documents"] == [] else None

    item = wait_for(item_sealed, timeout=60, what="the packet without the sealed documents")
    pages = pypdf.PdfReader(io.BytesIO(clerk.get(item["packet_url"]).content)).pages
    packet = "".join(page.extract_text() for page in pages)
    assert "SEALED ENTRY" in packet and "This entry is sealed" in packet, packet
    assert "MOTION filed by" not in packet and "extension of time" not in packet, packet
    subjects = [
        n["subject"]
        for n in attorney.get("/api/v1/notices", params={"page_size": 100}).json()["notices"]
        if n["case_number"] == case_number and n["entry_number"] == entry_number
    ]
    assert subjects and all("extension of time" not in s for s in subjects), subjects


def test_the_filer_on_paper_is_not_served_with_their_own_filing(
    attorney: Api, clerk: Api, case_number: str
) -> None:
    metadata = {
        "type": "letter",
        "description": "about the hearing",
        "filer_party": "Federal Agency",
        "received_on": court_today().isoformat(),
    }
    filed = httpx.post(
        f"{clerk.base_url}/api/v1/clerk/cases/{case_number}/paper-filings",
        files=[
            ("metadata", ("metadata.json", json.dumps(metadata).encode(), "application/json")),
            ("lead", ("letter.pdf", text_1_page(), "application/pdf")),  # has text: kept
        ],
        headers={"Authorization": f"Bearer {clerk.token}"},
        timeout=300,
    )
    assert filed.status_code == 201, filed.text
    own_entry = docketed_status(clerk, filed.json()["filing_id"])["entry_number"]
    # A later entry in the same case (same partition, read in order) is due: notify has
    # recorded the paper filing's entry by then.
    later = file(attorney, {**MOTION, "case_number": case_number}, text_1_page())
    assert later.status_code == 201, later.text
    later_entry = docketed_status(attorney, later.json()["filing_id"])["entry_number"]
    assert later_entry > own_entry
    item_for(clerk, case_number, later_entry)
    # The filing mails went on past the paper filing (which has no filer account to mail).
    mail_to(maildir_of(attorney.base_url), attorney.account["email"], later.json()["filing_id"][:8])
    items = due_items(clerk, case_number, include_served=True)
    assert own_entry not in [i["entry_number"] for i in items]


def test_paper_service_is_for_court_staff(attorney: Api, clerk: Api, case_number: str) -> None:
    listed = attorney.get("/api/v1/clerk/paper-service")
    assert (listed.status_code, listed.json()["code"]) == (403, "forbidden")
    (item, *_) = due_items(clerk, case_number, include_served=True)
    for response in (
        attorney.get(item["packet_url"]),
        attorney.post(f"/api/v1/clerk/paper-service/{item['id']}/served"),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    unknown = clerk.post("/api/v1/clerk/paper-service/not-an-id/served")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


def test_counsel_with_notices_off_are_served_at_their_profile_address(
    edge_url: str, attorney: Api, clerk: Api, case_number: str
) -> None:
    quiet = efiler(edge_url, clerk)
    address = "Quiet & Co.\n1 Mail Street\nSan Francisco, CA 94103"
    assert quiet.patch("/api/v1/accounts/me", json={"address": address}).status_code == 200
    appearance = notice_of_appearance(
        case_number, "Intervening Union", "intervenor", receive_notices=False
    )
    filing_id = received(quiet, appearance, text_1_page())["filing_id"]
    accepted = clerk.post(f"/api/v1/clerk/filings/{filing_id}/accept")
    assert accepted.status_code == 200, accepted.text
    docketed_status(quiet, filing_id)

    # The next entry: counsel who turned notices off are served by mail, at their address.
    motion = file(attorney, {**MOTION, "case_number": case_number}, text_1_page())
    assert motion.status_code == 201, motion.text
    entry = docketed_status(attorney, motion.json()["filing_id"])["entry_number"]
    # The address is read when the queue is listed, from notify's copy of the account, which
    # auth's event of the profile change reaches on its own path: on a loaded machine the
    # entry can be queued before it, and the address shows as soon as it arrives.
    mine = wait_for(
        lambda: next(
            (
                i
                for i in due_items(clerk, case_number)
                if i["entry_number"] == entry
                and i["participant"]["name"] == quiet.account["name"]
                and i["participant"]["address"]
            ),
            None,
        ),
        timeout=60,
        what="counsel with notices off due for paper service, with their address",
    )
    assert mine["participant"] == {
        "name": quiet.account["name"],
        "detail": "counsel for Intervening Union",
        "address": address,
    }
