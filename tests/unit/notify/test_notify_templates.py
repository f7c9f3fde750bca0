"""The words of an NDA, in ACMS's form: golden strings from issue 18, PST/PDT, escaping."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from support.acms_notice import SUBJECT, bold_fields, html_title

from services.notify.compose import nda_form
from services.notify.compose.nda_form import DocumentLine, MailedTo, NdaContent, NotMailedTo

PACIFIC = ZoneInfo("America/Los_Angeles")
WINTER = datetime(2026, 1, 15, 22, 30, 5, tzinfo=UTC)  # 2:30:05 PM PST
LINK = "https://ecf.example/api/v1/free-looks/t1"


def content(**changes: object) -> NdaContent:
    values: dict[str, object] = {
        "court_name": "United States Court of Appeals for the Ninth Circuit",
        "case_number": "26-1234",
        "case_title": "Doe v. Garland",
        "case_url": "https://ecf.example/cases/26-1234",
        "entry_number": 7,
        "docket_text": "MOTION filed by Jane Roe to extend time.",
        "entered_at": WINTER,
        "filed_at": datetime(2026, 1, 15, 7, 59, 59, tzinfo=UTC),  # 11:59:59 PM PST the 14th
        "recipient_name": "Jane Roe",
        "reason": "counsel",
        "documents": [DocumentLine(1, "motion.pdf", 12, LINK)],
        "mailed_to": [MailedTo("Jane Roe", ("jane@roe.example", "para@roe.example"))],
        "not_mailed_to": [NotMailedTo("John Doe", "petitioner")],
    }
    values.update(changes)
    return NdaContent(**values)  # type: ignore[arg-type]


def fields(html: str) -> list[tuple[str, str, list[str]]]:
    return bold_fields(html)


def test_the_subject_is_acms_form() -> None:
    assert nda_form.subject(content()) == (
        "Doe v. Garland 26-1234 - 007 - MOTION filed by Jane Roe to extend time"
    )
    assert nda_form.subject(content(entry_number=123)).startswith("Doe v. Garland 26-1234 - 123 -")


def test_a_long_docket_text_is_cut_at_a_word_and_a_stamp_never_reaches_the_subject() -> None:
    long_text = (
        "ORDER " + "granting the motion to extend time " * 5 + "[Entered: 01/15/2026 02:30 PM]"
    )
    short = nda_form.short_docket_text(long_text)
    assert len(short) <= nda_form.SHORT_TEXT_MAX and short.endswith("...")
    assert short.startswith("ORDER granting the motion") and "Entered" not in short
    # Abbreviations are not sentence ends.
    assert nda_form.short_docket_text("ADDED counsel J. Smith for A. Doe.") == (
        "ADDED counsel J. Smith for A. Doe"
    )


def test_a_subject_never_carries_a_line_break() -> None:
    line = nda_form.subject_line(
        case_title="Doe\r\nBcc: x@y", case_number="26-1", entry_number=1, docket_text="a\nb"
    )
    assert "\n" not in line and "\r" not in line
    assert line == "Doe Bcc: x@y 26-1 - 001 - a b"


@pytest.mark.parametrize(
    ("entered", "transaction", "stamp"),
    [
        # 23:59:59 Pacific on the night before DST starts is still that day, in PST.
        (
            datetime(2026, 3, 8, 7, 59, 59, tzinfo=UTC),
            "entered on 03/07/2026 11:59:59 PM PST and filed on 03/07/2026",
            "[Entered: 03/07/2026 11:59 PM]",
        ),
        # The first minute after the spring-forward gap is PDT.
        (
            datetime(2026, 3, 8, 10, 0, tzinfo=UTC),
            "entered on 03/08/2026 3:00:00 AM PDT and filed on 03/08/2026",
            "[Entered: 03/08/2026 03:00 AM]",
        ),
        # The repeated hour in November: PDT, then PST.
        (
            datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
            "entered on 11/01/2026 1:30:00 AM PDT and filed on 11/01/2026",
            "[Entered: 11/01/2026 01:30 AM]",
        ),
        (
            datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
            "entered on 11/01/2026 1:30:00 AM PST and filed on 11/01/2026",
            "[Entered: 11/01/2026 01:30 AM]",
        ),
        (
            datetime(2026, 7, 4, 19, 5, 9, tzinfo=UTC),
            "entered on 07/04/2026 12:05:09 PM PDT and filed on 07/04/2026",
            "[Entered: 07/04/2026 12:05 PM]",
        ),
    ],
)
def test_times_are_court_local_with_the_zone_as_the_date_has_it(
    entered: datetime, transaction: str, stamp: str
) -> None:
    nda = content(entered_at=entered, filed_at=entered)
    for body in (nda_form.render_text(nda, PACIFIC), nda_form.render_html(nda, PACIFIC)):
        assert f"The following transaction was {transaction}" in body
        assert f"MOTION filed by Jane Roe to extend time. {stamp}" in body


def test_the_text_notice_is_acms_form_label_by_label() -> None:
    assert nda_form.render_text(content(), PACIFIC) == (
        f"{nda_form.PUBLIC_NOTE_LABEL} {nda_form.PUBLIC_NOTE}\n"
        "\n"
        "United States Court of Appeals for the Ninth Circuit\n"
        "\n"
        "Notice of Docket Activity\n"
        "\n"
        "The following transaction was entered on 01/15/2026 2:30:05 PM PST and filed on "
        "01/14/2026\n"
        "\n"
        "You received this notice because you are counsel of record in this case.\n"
        "\n"
        f"{nda_form.FREE_LOOK_NOTE}\n"
        "\n"
        "Case Name: Doe v. Garland\n"
        "Case Number: 26-1234 <https://ecf.example/cases/26-1234>\n"
        "\n"
        "Docket Text:\n"
        "MOTION filed by Jane Roe to extend time. [Entered: 01/15/2026 02:30 PM]\n"
        "\n"
        "Document: motion.pdf (12 pages)\n"
        f"  {LINK}\n"
        "\n"
        "Notice will be electronically mailed to:\n"
        "\n"
        "Jane Roe: jane@roe.example, para@roe.example\n"
        "\n"
        "Case participants listed below will not receive this electronic notice:\n"
        "\n"
        "John Doe (petitioner)\n"
    )


def test_the_html_notice_reads_by_its_bold_labels() -> None:
    two = [DocumentLine(1, "motion.pdf", 12, LINK), DocumentLine(2, "exhibit.pdf", 1, LINK + "2")]
    html = nda_form.render_html(content(documents=two), PACIFIC)
    assert (
        "<title>Doe v. Garland 26-1234 - 007 - MOTION filed by Jane Roe to extend time</title>"
        in html
    )
    assert "Notice of Docket Activity" in html and "Ninth Circuit" in html
    subject = SUBJECT.match(html_title(html))
    assert subject is not None
    assert (subject["case"], subject["entry"]) == ("26-1234", "007")
    read = fields(html)
    assert [label for label, _, _ in read] == [
        "***NOTE TO PUBLIC ACCESS USERS***",
        "Case Name:",
        "Case Number:",
        "Docket Text:",
        "Document:",
        "Document:",
        "Notice will be electronically mailed to:",
        "Case participants listed below will not receive this electronic notice:",
    ]
    by_label = {label: (text, links) for label, text, links in read}
    assert by_label["Case Name:"] == ("Doe v. Garland", [])
    assert by_label["Case Number:"] == ("26-1234", ["https://ecf.example/cases/26-1234"])
    text, links = by_label["Docket Text:"]
    assert text == "MOTION filed by Jane Roe to extend time. [Entered: 01/15/2026 02:30 PM]"
    # No instructions or link text inside the docket text: the note stands apart.
    assert links == [] and "free" not in text.lower()
    documents = [(text, links) for label, text, links in read if label == "Document:"]
    assert documents == [
        ("motion.pdf (12 pages)", [LINK]),
        ("exhibit.pdf (1 page)", [LINK + "2"]),
    ]
    assert by_label["Notice will be electronically mailed to:"][0] == (
        "Jane Roe: jane@roe.example, para@roe.example"
    )
    assert by_label[nda_form.NOT_MAILED_TO][0] == "John Doe (petitioner)"


def test_an_imported_docket_text_keeps_its_own_stamp() -> None:
    stamped = "ORDER filed. [Entered: 05/03/2021 09:15 AM]"
    text = nda_form.render_text(content(docket_text=stamped), PACIFIC)
    assert f"Docket Text:\n{stamped}\n" in text and text.count("[Entered:") == 1


def test_html_escapes_everything_from_a_filing() -> None:
    hostile = content(
        case_title='<b>Doe</b> & "Sons"',
        case_number="26-1",
        case_url='https://e/cases/26-1"><script>x()</script>',
        docket_text='<script>alert("x")</script>\nline two',
        documents=[DocumentLine(1, "<img src=x>.pdf", 1, "https://e/api/v1/free-looks/a'b\"c")],
        mailed_to=[MailedTo("<i>Eve</i>", ("eve@x.example",))],
        not_mailed_to=[NotMailedTo("<strong>Case Number:</strong> 99-9", "respondent")],
    )
    html = nda_form.render_html(hostile, PACIFIC)
    for raw in ("<script>", "<b>Doe</b>", "<img src=x>", "<i>Eve</i>", "</strong> 99-9"):
        assert raw not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>\nline two" in html
    assert 'href="https://e/api/v1/free-looks/a&#x27;b&quot;c"' in html
    # A title or a name shaped like a label is not read as one.
    labels = [label for label, _, _ in fields(html)]
    assert labels.count("Case Number:") == 1 and labels.count("Document:") == 1
    assert dict((label, text) for label, text, _ in fields(html))["Case Name:"] == (
        '<b>Doe</b> & "Sons"'
    )


def test_notes_instead_of_links_say_why_outside_the_docket_text() -> None:
    sealed = nda_form.render_text(
        content(
            documents=[DocumentLine(1, "sealed.pdf", 3, None)],
            documents_note=nda_form.SEALED_NOTE,
        ),
        PACIFIC,
    )
    assert "This entry is sealed" in sealed and "free-looks" not in sealed
    assert "Document: sealed.pdf (3 pages)" in sealed
    docket = sealed.split("Docket Text:\n", 1)[1].split("\n\n", 1)[0]
    assert "sealed" not in docket.lower()
    missing = nda_form.render_text(
        content(documents=[DocumentLine(1, "m.pdf", 2, None, nda_form.NO_LINK_NOTE)]), PACIFIC
    )
    assert "Document: m.pdf (2 pages)\n  (no free-look link could be issued" in missing
    secondary = nda_form.render_text(content(reason="secondary"), PACIFIC)
    assert "this address is a secondary address of Jane Roe" in secondary
    bare = nda_form.render_text(content(documents=[]), PACIFIC)
    assert "Document:" not in bare and nda_form.FREE_LOOK_NOTE not in bare
