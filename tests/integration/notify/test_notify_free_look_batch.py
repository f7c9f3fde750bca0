"""An entry's links come from access in one call: each link is kept or waited for on its own."""

from __future__ import annotations

import uuid

from notify_kit import FREE_LOOK, Document, NotifyKit, message_text, recipient_of
from support.api import wait_for

from services.notify.compose.nda_form import NO_LINK_NOTE


def batch_calls(kit: NotifyKit) -> float:
    return kit.metric("grpc_client_started_total", grpc_method="IssueFreeLooks")


def test_links_access_gives_are_kept_while_the_notice_waits_for_one_it_cannot_give_yet(
    notify_kit: NotifyKit,
) -> None:
    kit = notify_kit
    lead, second = kit.person(notice_format="text"), kit.person(notice_format="text")
    motion = kit.store_document(pages=2, filename="motion.pdf")
    # Access does not hold this one (yet): it refuses that item with not_found, which may
    # change, so the notice waits; the other item of the same call is issued and kept.
    exhibit = Document(str(uuid.uuid4()), "exhibit.pdf", 1)
    case_number = kit.open_case([lead, second])
    kit.wait_case_known(case_number)
    calls_before = batch_calls(kit)
    kit.record(case_number, 1, documents=[motion, exhibit])

    def waited_twice() -> list[tuple[object, ...]] | None:
        rows = kit.sql(
            "SELECT status, link_attempts, last_error FROM notify.notices WHERE case_number = %s",
            case_number,
        )
        return rows if len(rows) == 2 and all(r[1] >= 2 for r in rows) else None

    rows = wait_for(waited_twice, 30, what="both notices asked access twice")
    # A call a compose batch (an attempt of both notices, or of each), never a call a link.
    assert batch_calls(kit) - calls_before >= 2
    assert kit.metric("grpc_client_started_total", grpc_method="IssueFreeLook") == 0
    for status, _, last_error in rows:
        assert status == "needs_links"
        assert str(last_error).startswith("free-look link: NOT_FOUND: ")
    kept = kit.sql(
        "SELECT f.document_id::text, f.token IS NOT NULL, f.error FROM notify.free_looks f"
        " JOIN notify.notices n USING (notice_id) WHERE n.case_number = %s",
        case_number,
    )
    assert sorted(kept) == [(motion.document_id, True, None)] * 2
    # The second attempt asked only for the missing link: access issued the motion's once each.
    assert kit.sql(
        "SELECT count(*) FROM access.free_looks WHERE document_id = %s", motion.document_id
    ) == [(2,)]

    # Past the link wait, the notices go out with the link they have.
    kit.sql(
        "UPDATE notify.notices SET created_at = created_at - interval '1 day',"
        " next_attempt_at = now() WHERE case_number = %s",
        case_number,
    )
    messages = kit.wait_messages(case_number, 2, timeout=60)
    tokens = set()
    for message in messages:
        text = message_text(message)
        found = FREE_LOOK.findall(text)
        assert len(found) == 1, recipient_of(message)
        assert NO_LINK_NOTE in " ".join(text.split())
        assert kit.free_look(found[0]).document_id == motion.document_id
        tokens.update(found)
    assert len(tokens) == 2
    assert {recipient_of(m) for m in messages} == {lead.email.lower(), second.email.lower()}
