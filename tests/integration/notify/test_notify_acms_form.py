"""The NDA as a tool written for ACMS notices reads it, from the real mail in the SMTP sink:
the case number, the entry number and the document links found by the bold labels, and who is
served on paper."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from court.v1 import common_pb2, docket_pb2
from notify_kit import FREE_LOOK, NotifyKit, message_html, message_text, recipient_of
from support.acms_notice import SUBJECT, bold_fields, html_title
from support.api import wait_for

from services.stack.supervisor import LocalStack

NOT_MAILED = "Case participants listed below will not receive this electronic notice:"


def test_an_acms_tool_finds_case_entry_and_documents_and_paper_service_is_listed(
    notify_kit: NotifyKit, stack: LocalStack
) -> None:
    kit = notify_kit
    lead = kit.person()
    quiet = kit.person(notices_enabled=False)  # the account's own flag off
    box_off = kit.person()  # the notice box left off on the appearance
    box_off_counsel = docket_pb2.Counsel(
        account_id=box_off.account_id,
        name=box_off.name,
        party_name="Intervenor <Co>",
        receive_notices=False,
    )
    parties = [
        common_pb2.Party(name="Petitioner", role=common_pb2.PARTY_ROLE_PETITIONER),
        common_pb2.Party(name="Agency <X>", role=common_pb2.PARTY_ROLE_RESPONDENT),
        common_pb2.Party(name="Intervenor <Co>", role=common_pb2.PARTY_ROLE_INTERVENOR),
    ]
    title = "Petitioner v. <Agency X>"
    case_number = kit.open_case([lead, quiet, box_off_counsel], title=title, parties=parties)
    documents = [
        kit.store_document(pages=2, filename="motion.pdf"),
        kit.store_document(pages=1, filename="exhibit <A>.pdf"),
    ]
    entered = datetime(2026, 2, 3, 17, 4, 5, tzinfo=UTC)  # 9:04:05 AM PST
    kit.record(
        case_number,
        12,
        text="MOTION filed by Counsel for Petitioner to extend time.",
        documents=documents,
        title=title,
        entered_at=entered,
    )
    (mail,) = kit.wait_messages(case_number, 1, timeout=60)
    wait_for(lambda: kit.statuses(case_number) == {"sent": 1}, what="the one notice sent")
    time.sleep(1.0)  # nothing else arrives: neither counsel with notices off gets one
    assert [recipient_of(m) for m in kit.messages(case_number)] == [lead.email.lower()]
    assert mail["From"] == stack.settings.mail_from

    # The subject, in ACMS's form.
    subject = SUBJECT.match(mail["Subject"])
    assert subject is not None, mail["Subject"]
    assert (subject["name"], subject["case"], subject["entry"]) == (title, case_number, "012")
    assert subject["short"] == "MOTION filed by Counsel for Petitioner to extend time"

    html = message_html(mail)
    assert html is not None
    assert SUBJECT.match(html_title(html)) is not None
    assert "The following transaction was entered on 02/03/2026 9:04:05 AM PST" in html
    fields = bold_fields(html)
    by_label = {label: (text, links) for label, text, links in fields}
    case_text, case_links = by_label["Case Number:"]
    assert case_text == case_number
    assert case_links == [f"{stack.settings.public_base_url}/cases/{case_number}"]
    assert by_label["Case Name:"] == (title, [])
    assert by_label["Docket Text:"] == (
        "MOTION filed by Counsel for Petitioner to extend time. [Entered: 02/03/2026 09:04 AM]",
        [],
    )
    links = [(text, links) for label, text, links in fields if label == "Document:"]
    assert [text for text, _ in links] == ["motion.pdf (2 pages)", "exhibit <A>.pdf (1 page)"]
    for (_, (href,)), document in zip(links, documents, strict=True):
        (token,) = FREE_LOOK.findall(href)
        look = kit.free_look(token)
        assert (look.document_id, look.recipient_email.lower()) == (
            document.document_id,
            lead.email.lower(),
        )
        assert (look.case_number, look.entry_number) == (case_number, 12)

    mailed, _ = by_label["Notice will be electronically mailed to:"]
    assert mailed == f"{lead.name}: {lead.email}"
    paper, _ = by_label[NOT_MAILED]
    # Counsel with notices off, and the one party no counsel of record represents.
    for expected in (
        f"{box_off.name} (counsel for Intervenor <Co>)",
        f"{quiet.name} (counsel for Petitioner)",
        "Agency <X> (respondent)",
    ):
        assert expected in paper, (expected, paper)
    assert "Petitioner (petitioner)" not in paper and "(intervenor)" not in paper
    assert quiet.email not in html and box_off.email not in html

    # The text part carries the same labels.
    text = message_text(mail)
    for label in ("Case Name:", "Case Number:", "Docket Text:", "Document:", NOT_MAILED):
        assert label in text
    assert "Agency <X> (respondent)" in text.split(NOT_MAILED, 1)[1]
