"""What an NDA says, in html and in text, with a free-look link per document per address."""

from __future__ import annotations

from datetime import UTC, datetime

from court.v1 import common_pb2
from notify_kit import FREE_LOOK, NotifyKit, message_html, message_text, recipient_of
from support.api import unique, wait_for

from services.stack.supervisor import LocalStack

DOCKET_TEXT = 'MOTION of <Smith & Jones> to extend time "30 days". [Entered: clerk]'


def test_html_and_text_notices_say_what_the_courts_say_with_distinct_free_looks(
    notify_kit: NotifyKit, stack: LocalStack
) -> None:
    kit = notify_kit
    paralegal = f"{unique('para')}@firm.example"
    lead = kit.person(secondary=[(paralegal, None)])
    plain = kit.person(notice_format="text")
    documents = [
        kit.store_document(pages=3, filename="motion.pdf"),
        kit.store_document(pages=1, filename="declaration.pdf"),
    ]
    title = "Ada <Lovelace> v. Analytical Engines & Co."
    case_number = kit.open_case([lead, plain], title=title)
    # Entered on a winter afternoon (PST); filed the evening before, court-local.
    entered = datetime(2026, 1, 15, 22, 30, tzinfo=UTC)  # 02:30 PM PST
    filed = datetime(2026, 1, 15, 7, 59, 59, tzinfo=UTC)  # 11:59:59 PM PST on the 14th
    kit.record(
        case_number,
        1,
        text=DOCKET_TEXT,
        documents=documents,
        filer="Grace Hopper",
        title=title,
        entered_at=entered,
        filed_at=filed,
    )
    messages = kit.wait_messages(case_number, 3, timeout=60)
    by_address = {recipient_of(m): m for m in messages}
    assert set(by_address) == {lead.email.lower(), paralegal.lower(), plain.email.lower()}

    html_mail = by_address[lead.email.lower()]
    assert html_mail.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in html_mail.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text_mail = by_address[plain.email.lower()]
    assert text_mail.get_content_type() == "text/plain" and message_html(text_mail) is None
    assert by_address[paralegal.lower()].get_content_type() == "multipart/alternative"

    for address, mail in by_address.items():
        assert mail["From"] == stack.settings.mail_from
        assert mail["Subject"] == f"{title} {case_number} - 001 - MOTION of <Smith & Jones>" + (
            ' to extend time "30 days". [Entered: clerk]'
        )
        assert mail["Message-ID"] == kit.deliveries(case_number)[(1, address)]["message_id"]
        text = message_text(mail)
        assert text.startswith("***NOTE TO PUBLIC ACCESS USERS***")
        assert "Notice of Docket Activity" in text
        assert (
            "The following transaction was entered on 01/15/2026 2:30:00 PM PST"
            " and filed on 01/14/2026"
        ) in text
        assert f"Case Number: {case_number} <" in text and f"Case Name: {title}" in text
        assert f"Docket Text:\n{DOCKET_TEXT} [Entered: 01/15/2026 02:30 PM]\n" in text
        assert "Document: motion.pdf (3 pages)" in text
        assert "Document: declaration.pdf (1 page)" in text
        mailed_to = text.split("Notice will be electronically mailed to:", 1)[1].split(
            "will not receive this electronic notice:"
        )[0]
        for person, addresses in ((lead, (lead.email, paralegal)), (plain, (plain.email,))):
            assert f"{person.name}: {', '.join(addresses)}" in mailed_to

    html = message_html(html_mail)
    assert html is not None
    assert "&lt;Smith &amp; Jones&gt;" in html and "<Smith" not in html
    assert "Ada &lt;Lovelace&gt; v. Analytical Engines &amp; Co." in html
    assert "entered on 01/15/2026 2:30:00 PM PST and filed on 01/14/2026" in html

    # Each address has its own link for each document; each link opens that document for
    # that address (the confirmation step, which does not use the link up).
    links: dict[str, list[str]] = {
        address: FREE_LOOK.findall(message_text(mail)) for address, mail in by_address.items()
    }
    assert all(len(tokens) == 2 for tokens in links.values()), links
    every = [token for tokens in links.values() for token in tokens]
    assert len(set(every)) == 6
    for address, tokens in links.items():
        for token, document in zip(tokens, documents, strict=True):
            look = kit.free_look(token)
            assert (look.document_id, look.recipient_email.lower()) == (
                document.document_id,
                address,
            )
            assert (look.case_number, look.entry_number) == (case_number, 1)
        html_part = message_html(by_address[address])
        if html_part is not None:
            assert FREE_LOOK.findall(html_part) == tokens
    assert all(
        f"{stack.settings.public_base_url}/api/v1/free-looks/{token}" in message_text(mail)
        for mail in messages
        for token in FREE_LOOK.findall(message_text(mail))
    )
    # Once sent, notify forgets the tokens: the recipient has the link, access its hash.
    wait_for(lambda: kit.statuses(case_number) == {"sent": 3}, what="all sent")
    kept = " ".join(
        f"{text} {html or ''}"
        for text, html in kit.sql(
            "SELECT body_text, body_html FROM notify.notices WHERE case_number = %s", case_number
        )
    )
    assert not any(token in kept for token in every) and "/free-looks/[sent]" in kept
    assert kit.sql(
        "SELECT count(*) FROM notify.free_looks f JOIN notify.notices n USING (notice_id)"
        " WHERE n.case_number = %s AND f.token IS NOT NULL",
        case_number,
    ) == [(0,)]


def test_summer_entries_say_pdt(notify_kit: NotifyKit) -> None:
    kit = notify_kit
    attorney = kit.person(notice_format="text")
    case_number = kit.open_case([attorney])
    kit.record(case_number, 1, entered_at=datetime(2026, 7, 4, 6, 59, tzinfo=UTC))
    (mail,) = kit.wait_messages(case_number, 1)
    assert "entered on 07/03/2026 11:59:00 PM PDT and filed on 07/03/2026" in message_text(mail)
    assert "[Entered: 07/03/2026 11:59 PM]" in message_text(mail)
    assert "Document:" not in message_text(mail)


def test_restricted_and_sealed_documents_get_no_links_for_those_who_may_not_open_them(
    notify_kit: NotifyKit,
) -> None:
    kit = notify_kit
    counsel = kit.person(notice_format="text")
    public = kit.person("public", notice_format="text")
    document = kit.store_document(pages=2, filename="record.pdf")
    case_number = kit.open_case([counsel], case_type=common_pb2.CASE_TYPE_IMMIGRATION)
    kit.wait_case_known(case_number)
    subscribed = public.api.request("PUT", f"/api/v1/cases/{case_number}/subscription")
    assert subscribed.status_code == 200, subscribed.text
    kit.record(case_number, 1, documents=[document], case_type=common_pb2.CASE_TYPE_IMMIGRATION)
    sealed_document = kit.store_document(pages=1, filename="sealed.pdf")
    kit.record(
        case_number,
        2,
        documents=[sealed_document],
        case_type=common_pb2.CASE_TYPE_IMMIGRATION,
        sealed=True,
    )
    messages = kit.wait_messages(case_number, 4, timeout=60)
    text = {(m["X-OpenECF-Entry"], recipient_of(m)): message_text(m) for m in messages}
    counsel_1 = text[("1", counsel.email.lower())]
    public_1 = text[("1", public.email.lower())]
    assert len(FREE_LOOK.findall(counsel_1)) == 1
    assert FREE_LOOK.findall(public_1) == []
    assert "available online only to counsel of record and court staff" in public_1
    assert "Document: record.pdf (2 pages)" in public_1
    for address in (counsel.email.lower(), public.email.lower()):
        assert FREE_LOOK.findall(text[("2", address)]) == []
        assert "This entry is sealed" in text[("2", address)]
        # Neither its text nor its documents' names: the docket sheet shows neither.
        assert "SEALED ENTRY" in text[("2", address)]
        assert "extension of time" not in text[("2", address)]
        assert "sealed.pdf" not in text[("2", address)]
    wait_for(lambda: kit.statuses(case_number) == {"sent": 4}, what="all sent")
