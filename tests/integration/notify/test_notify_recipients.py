"""Who gets a Notice of Docket Activity: counsel, their secondary addresses, subscribers."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from court.v1 import common_pb2, docket_pb2, events_pb2
from notify_kit import NotifyKit, message_ids, message_text, recipient_of
from support.api import PASSWORD, Api, confirm_address, register, unique, wait_for

from services.common.events import new_event
from services.notify import account_view, case_view


def test_counsel_secondary_addresses_and_subscribers_each_get_one_notice(
    notify_kit: NotifyKit, edge_url: str
) -> None:
    kit = notify_kit
    all_cases, this_case, other_case = (f"{unique('p')}@para.example" for _ in range(3))
    # The secondary address for this case is known before the case exists: a placeholder
    # number first, then the real one (a snapshot replaces the list).
    lead = kit.person(secondary=[(all_cases, None), (other_case, ["97-1"])])
    quiet = kit.person(notices_enabled=False, secondary=[(f"{unique('q')}@x.example", None)])
    watcher = kit.person("public")
    case_number = kit.open_case([lead, quiet])
    patched = lead.api.patch(
        "/api/v1/accounts/me",
        json={
            "secondary_emails": [
                {"email": all_cases, "cases": None},
                {"email": this_case, "cases": [case_number]},
                {"email": other_case, "cases": ["97-1"]},
            ],
            "current_password": PASSWORD,
        },
    )
    assert patched.status_code == 200, patched.text
    confirm_address(kit.edge_url, kit.stack.maildir, this_case)
    wait_for(
        lambda: kit.sql(
            "SELECT 1 FROM notify.secondary_emails WHERE lower(email) = %s", this_case.lower()
        ),
        what="the per-case secondary address in notify's view",
    )
    kit.wait_case_known(case_number)
    subscribed = watcher.api.request("PUT", f"/api/v1/cases/{case_number}/subscription")
    assert subscribed.status_code == 200, subscribed.text

    kit.record(case_number, 1, text="PETITION for review filed.")
    expected = {lead.email, all_cases, this_case, watcher.email}
    messages = kit.wait_messages(case_number, len(expected))
    time.sleep(1.0)  # nothing more arrives: not the quiet attorney, not the other case's address
    messages = kit.messages(case_number)
    assert {recipient_of(m) for m in messages} == {a.lower() for a in expected}
    assert len(messages) == len(expected)  # one message per address
    assert all(n == 1 for n in message_ids(messages).values())
    rows = kit.deliveries(case_number)
    assert {key[1]: row["reason"] for key, row in rows.items()} == {
        lead.email.lower(): "counsel",
        all_cases.lower(): "secondary",
        this_case.lower(): "secondary",
        watcher.email.lower(): "subscriber",
    }
    assert {row["status"] for row in rows.values()} == {"sent"}

    # Counsel are listed as notified, with their secondary addresses; subscribers are not.
    text = message_text(next(m for m in messages if recipient_of(m) == lead.email.lower()))
    mailed_to = text.split("Notice will be electronically mailed to:", 1)[1]
    assert lead.name in mailed_to and lead.email in mailed_to and all_cases in mailed_to
    assert watcher.email not in mailed_to and quiet.email not in mailed_to


def test_subscriptions_are_idempotent_refused_to_counsel_and_stop_on_delete(
    notify_kit: NotifyKit, edge_url: str
) -> None:
    kit = notify_kit
    counsel = kit.person()
    reader = kit.person("public")
    case_number = kit.open_case([counsel])
    kit.wait_case_known(case_number)
    path = f"/api/v1/cases/{case_number}/subscription"

    for _ in range(2):
        again = reader.api.request("PUT", path)
        assert again.status_code == 200, again.text
        assert again.json() == {"case_number": case_number, "subscribed": True}
    assert (
        kit.sql("SELECT count(*) FROM notify.subscriptions WHERE case_number = %s", case_number)[0][
            0
        ]
        == 1
    )
    refused = counsel.api.request("PUT", path)
    assert (refused.status_code, refused.json()["code"]) == (409, "duplicate")
    unknown = reader.api.request("PUT", f"/api/v1/cases/{kit.new_case_number()}/subscription")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    malformed = reader.api.request("PUT", "/api/v1/cases/not-a-case/subscription")
    assert (malformed.status_code, malformed.json()["code"]) == (422, "validation_failed")
    anonymous = Api(edge_url).request("PUT", path)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")

    kit.record(case_number, 1)
    kit.wait_messages(case_number, 2)
    assert reader.api.delete(path).status_code == 204
    assert reader.api.delete(path).status_code == 204  # idempotent
    kit.record(case_number, 2)
    wait_for(
        lambda: kit.statuses(case_number) == {"sent": 3},
        what="entry 2's notice to counsel sent",
    )
    second = [m for m in kit.messages(case_number) if m["X-OpenECF-Entry"] == "2"]
    assert [recipient_of(m) for m in second] == [counsel.email.lower()]


def test_an_attorney_who_appears_gets_the_nda_of_their_appearance_in_either_order(
    notify_kit: NotifyKit,
) -> None:
    kit = notify_kit
    first = kit.person()
    newcomer, late = kit.person(), kit.person()

    # As docket publishes it: the appearance, then its entry.
    case_number = kit.open_case([first])
    kit.record(case_number, 1)
    kit.appear(case_number, newcomer, 2)
    kit.record(case_number, 2, text="NOTICE of appearance of counsel.")
    # The other way round, as a consumer must also survive.
    reversed_case = kit.open_case([first])
    kit.record(reversed_case, 1)
    kit.record(reversed_case, 2, text="NOTICE of appearance of counsel.")
    kit.appear(reversed_case, late, 2)

    for case, attorney in ((case_number, newcomer), (reversed_case, late)):
        messages = kit.wait_messages(case, 3)
        by_entry = {
            entry: sorted(recipient_of(m) for m in messages if m["X-OpenECF-Entry"] == entry)
            for entry in ("1", "2")
        }
        assert by_entry == {
            "1": [first.email.lower()],
            "2": sorted([first.email.lower(), attorney.email.lower()]),
        }, case
    # Registered through the edge, the newcomer's name is in the appearance's NDA.
    confirm = next(
        m
        for m in kit.messages(case_number)
        if m["X-OpenECF-Entry"] == "2" and recipient_of(m) == newcomer.email.lower()
    )
    assert newcomer.name in message_text(confirm)


def test_the_notices_api_lists_mine_by_account_and_address(
    notify_kit: NotifyKit, edge_url: str
) -> None:
    kit = notify_kit
    paralegal = f"{unique('para')}@firm.example"
    attorney = kit.person(secondary=[(paralegal, None)])
    stranger, _ = register(edge_url, "public")
    case_number = kit.open_case([attorney])
    for number in (1, 2):
        kit.record(case_number, number)
    kit.wait_messages(case_number, 4)
    wait_for(lambda: kit.statuses(case_number) == {"sent": 4}, what="all four sent")

    listed = attorney.api.get("/api/v1/notices", params={"page_size": 100})
    assert listed.status_code == 200, listed.text
    mine = [n for n in listed.json()["notices"] if n["case_number"] == case_number]
    assert sorted((n["entry_number"], n["recipient_email"]) for n in mine) == sorted(
        (entry, address) for entry in (1, 2) for address in (attorney.email, paralegal)
    )
    assert {n["status"] for n in mine} == {"sent"}
    assert all(n["sent_at"] and n["case_number"] in n["subject"] for n in mine)

    first_page = attorney.api.get("/api/v1/notices", params={"page_size": 3}).json()
    assert len(first_page["notices"]) == 3 and first_page["next_page_token"]
    rest = attorney.api.get(
        "/api/v1/notices", params={"page_size": 3, "page_token": first_page["next_page_token"]}
    ).json()
    ids = [n["notice_id"] for n in first_page["notices"] + rest["notices"]]
    assert len(ids) == len(set(ids)) == first_page["total"] == 4

    one = mine[0]["notice_id"]
    detail = attorney.api.get(f"/api/v1/notices/{one}")
    assert detail.status_code == 200, detail.text
    assert (detail.json()["status"], detail.json()["attempts"]) == ("sent", 1)
    assert detail.json()["next_attempt_at"] is None
    for path in (f"/api/v1/notices/{one}", "/api/v1/notices/not-a-notice"):
        hidden = stranger.get(path)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")
    assert stranger.get("/api/v1/notices").json()["notices"] == []
    anonymous = Api(edge_url).get("/api/v1/notices")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")
    bad_token = attorney.api.get("/api/v1/notices", params={"page_token": "%%%"})
    assert (bad_token.status_code, bad_token.json()["code"]) == (422, "validation_failed")


def test_counsel_notify_learns_of_late_still_get_the_notices_recorded_before(
    notify_kit: NotifyKit,
) -> None:
    """auth.events and docket.events are separate topics read by separate consumers: an
    account can reach notify after an entry naming it as counsel."""
    kit = notify_kit
    known = kit.person()
    late_id, late_email = str(uuid.uuid4()), f"{unique('late')}@late.example"
    case_number = kit.open_case(
        [known, docket_pb2.Counsel(account_id=late_id, name="Lately Registered")]
    )
    kit.record(case_number, 1)
    kit.wait_messages(case_number, 1)
    assert set(kit.deliveries(case_number)) == {(1, known.email.lower())}

    kit.register_attorney(
        late_id, "Lately Registered", late_email, notice_format=common_pb2.NOTICE_FORMAT_TEXT
    )
    messages = kit.wait_messages(case_number, 2)
    late = [m for m in messages if recipient_of(m) == late_email.lower()]
    assert len(late) == 1 and late[0].get_content_type() == "text/plain"
    assert "Lately Registered" in message_text(late[0])


def test_an_address_confirmed_before_an_entry_but_heard_of_after_it_still_gets_its_nda(
    notify_kit: NotifyKit,
) -> None:
    """An attorney can confirm the address, be approved and file within a second; when
    notify's accounts consumer reads the confirmation after its docket consumer read the
    entry, the entry's NDA was addressed from the older view (no address yet) and is owed.
    A change made after an entry owes that entry nothing."""
    kit = notify_kit
    known = kit.person()
    fast_id, fast_email = str(uuid.uuid4()), f"{unique('fast')}@fast.example"
    kit.register_attorney(fast_id, "Fast Filer", "")  # no address until it is confirmed
    confirmed_at = datetime.now(UTC)  # in auth, before the entry below
    case_number = kit.open_case([known, docket_pb2.Counsel(account_id=fast_id, name="Fast Filer")])
    kit.record(case_number, 1)
    kit.wait_messages(case_number, 1)
    assert set(kit.deliveries(case_number)) == {(1, known.email.lower())}

    def confirmation(at: datetime, email: str) -> events_pb2.AccountUpdated:
        event = events_pb2.AccountUpdated(
            account_id=fast_id, name="Fast Filer", email=email, notices_enabled=True
        )
        event.updated_at.FromDatetime(at)
        return event

    kit.publish_auth("auth.account_updated", fast_id, confirmation(confirmed_at, fast_email))
    kit.wait_messages(case_number, 2)
    assert set(kit.deliveries(case_number)) == {
        (1, known.email.lower()),
        (1, fast_email.lower()),
    }

    # A new address made after entries 1 and 2 were recorded: entry 3 goes there, they do not.
    kit.record(case_number, 2)
    kit.wait_messages(case_number, 4)
    moved = f"{unique('moved')}@fast.example"
    kit.publish_auth("auth.account_updated", fast_id, confirmation(datetime.now(UTC), moved))
    kit.record(case_number, 3)
    kit.wait_messages(case_number, 6)
    # The two consumers read the update and entry 3 in either order; where the entry came
    # first, its NDA to the new address is owed and follows (in one CI run, over a second on).
    wait_for(
        lambda: (3, moved) in kit.deliveries(case_number) or None,
        30,
        what="entry 3's NDA to the address changed before it",
    )
    time.sleep(1.0)  # time for a wrong backfill of entries 1 and 2 to show
    assert {e for e, address in kit.deliveries(case_number) if address == moved} == {3}


def test_an_entry_addressed_while_its_counsel_changes_address_reaches_the_new_one(
    notify_kit: NotifyKit,
) -> None:
    """notify's two consumers at once, their transactions interleaved by hand against the
    stack's database: an entry is being addressed (its transaction still open) when a change of
    its counsel's address arrives. The change waits for the entry, then owes it to the new
    address. Without that wait the change's backfill ran past the entry it could not see yet,
    and the notice to the new address was lost (seen once in CI, in the test above)."""
    kit = notify_kit
    account_id, old = str(uuid.uuid4()), f"{unique('old')}@race.example"
    kit.register_attorney(account_id, "Race Filer", old)
    case_number = kit.open_case([docket_pb2.Counsel(account_id=account_id, name="Race Filer")])
    kit.wait_case_known(case_number)
    wait_for(
        lambda: kit.sql("SELECT 1 FROM notify.recipients WHERE account_id = %s", account_id),
        what="notify knows the account",
    )
    moved = f"{unique('moved')}@race.example"
    update = events_pb2.AccountUpdated(
        account_id=account_id, name="Race Filer", email=moved, notices_enabled=True
    )
    update.updated_at.FromDatetime(datetime.now(UTC))  # in auth, before the entry below
    change = new_event(
        event_type="auth.account_updated", source="auth", subject=account_id, payload=update
    )
    entry = new_event(
        event_type="docket.entry_recorded",
        source="docket",
        subject=case_number,
        payload=kit.record(case_number, 1, send=False),
    )

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(kit.database_url, autocommit=True, options="-c search_path=notify")

    def apply_change() -> None:
        with connect() as conn, conn.transaction():
            account_view.on_account_updated(conn, change)

    with connect() as addressing:
        with addressing.transaction():
            case_view.on_entry_recorded(addressing, entry)
            changing = threading.Thread(target=apply_change)
            changing.start()
            changing.join(timeout=1.0)
            waited = changing.is_alive()
        changing.join(timeout=30)
    addressed = kit.sql(
        "SELECT recipient_email FROM notify.notices WHERE case_number = %s AND entry_number = 1",
        case_number,
    )
    assert {email for (email,) in addressed} == {old, moved}
    assert waited, "the change did not wait for the entry being addressed"
