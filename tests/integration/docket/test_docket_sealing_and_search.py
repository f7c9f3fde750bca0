"""Sealing an entry, case search, and paging through dockets and results."""

from __future__ import annotations

from court.v1 import common_pb2
from docket_driver import DocketDriver
from support.api import Api, unique


def test_a_clerk_seals_an_entry_and_the_public_sees_it_sealed_without_text(
    docket: DocketDriver, public: Api, clerk: Api, title: str
) -> None:
    filer = docket.attorney()
    number = docket.open_case(filer, title=title)
    motion = docket.filing(
        filer,
        common_pb2.FILING_TYPE_MOTION,
        case_number=number,
        description="leave to file under seal",
        documents=2,
    )
    docket.submit(motion)
    docket.wait_entries(public, number, 3)

    refused = filer.api.post(f"/api/v1/clerk/cases/{number}/entries/3/seal")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert public.post(f"/api/v1/clerk/cases/{number}/entries/3/seal").status_code == 403
    assert clerk.post(f"/api/v1/clerk/cases/{number}/entries/99/seal").status_code == 404
    assert clerk.post(f"/api/v1/clerk/cases/{number}/entries/0/seal").status_code == 422

    sealed = clerk.post(f"/api/v1/clerk/cases/{number}/entries/3/seal")
    assert sealed.status_code == 200, sealed.text
    assert sealed.json()["sealed"] is True and sealed.json()["text"].startswith("MOTION")
    again = clerk.post(f"/api/v1/clerk/cases/{number}/entries/3/seal")
    assert again.status_code == 200  # sealing twice changes nothing

    for reader in (public, filer.api):
        entry = docket.wait_entries(reader, number, 3)[2]
        assert (entry["number"], entry["sealed"], entry["text"]) == (3, True, "")
        assert [(d["may_open"], d["denied_reason"], d["filename"]) for d in entry["documents"]] == [
            (False, "sealed", None),
            (False, "sealed", None),
        ]
    as_clerk = docket.wait_entries(clerk, number, 3)[2]
    assert as_clerk["sealed"] and as_clerk["text"].startswith("MOTION filed by")

    events = docket.docket_events(
        number, until=lambda found: any(t == "docket.entry_sealed" for t, _ in found)
    )
    sealed_events = [p for t, p in events if t == "docket.entry_sealed"]
    assert len(sealed_events) == 1
    assert sealed_events[0].entry_number == 3
    assert list(sealed_events[0].document_ids) == [d.document_id for d in motion.documents]
    assert sealed_events[0].sealed_by_account_id == clerk.account["account_id"]


def test_case_search_by_number_title_word_party_and_mine(docket: DocketDriver, public: Api) -> None:
    word = unique("Zephyr")
    party = f"Quintessa {unique('Party')}"
    filer = docket.attorney()
    first = docket.open_case(filer, title=f"Lopez v. Board {word}")
    second = docket.open_case(filer, title=f"Ruiz v. Agency {word}", petitioner=party)

    def numbers(**params: str) -> list[str]:
        reply = public.get("/api/v1/cases", params=params)
        assert reply.status_code == 200, reply.text
        return [c["case_number"] for c in reply.json()["cases"]]

    assert numbers(q=word) == [second, first]  # newest first
    assert numbers(q=word.lower()) == [second, first]  # whatever the case
    assert numbers(q=f"Ruiz {word}") == [second]  # every word must match
    assert numbers(q=party.split()[1]) == [second]  # a party's name
    assert numbers(q=first)[0] == first  # a whole case number comes first
    assert numbers(q=f"{first[:3]} {word}") == [second, first]  # a number prefix and a word
    assert numbers(q=f"{word} 100%_") == []  # LIKE wildcards are literal
    assert set(numbers(q=word, mine="true")) == set()  # the public is nobody's counsel
    mine = filer.api.get("/api/v1/cases", params={"mine": "true", "q": word}).json()
    assert [c["case_number"] for c in mine["cases"]] == [second, first]
    assert mine["total_size"] == 2


def test_dockets_and_search_results_page_with_cursors(
    docket: DocketDriver, public: Api, title: str
) -> None:
    filer = docket.attorney()
    number = docket.open_case(filer, title=title)
    for n in range(5):
        docket.submit(
            docket.filing(
                filer, common_pb2.FILING_TYPE_LETTER, case_number=number, description=f"#{n}"
            )
        )
    docket.wait_entries(public, number, 7)
    seen: list[int] = []
    token = ""
    pages = 0
    while True:
        page = docket.docket(public, number, page_size=3, page_token=token)
        assert page["total_size"] == 7 and len(page["entries"]) <= 3
        seen += [e["number"] for e in page["entries"]]
        pages += 1
        token = page["next_page_token"] or ""
        if not token:
            break
    assert (seen, pages) == (list(range(1, 8)), 3)
    other = docket.open_case(filer, title=f"{title} second")
    wrong = public.get(
        f"/api/v1/cases/{other}/docket",
        params={"page_token": docket.docket(public, number, page_size=3)["next_page_token"]},
    )
    assert wrong.status_code == 422  # a cursor belongs to its own docket
    assert (
        public.get(f"/api/v1/cases/{number}/docket", params={"page_size": 500}).status_code == 422
    )

    word = title.rsplit(" ", 1)[1]
    first = public.get("/api/v1/cases", params={"q": word, "page_size": 1}).json()
    assert [c["case_number"] for c in first["cases"]] == [other] and first["total_size"] == 2
    rest = public.get(
        "/api/v1/cases",
        params={"q": word, "page_size": 1, "page_token": first["next_page_token"]},
    ).json()
    assert [c["case_number"] for c in rest["cases"]] == [number]
    assert rest["next_page_token"] is None
