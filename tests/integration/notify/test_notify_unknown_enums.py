"""An enum value newer than this build reads "unspecified" in notify as everywhere else: the
entry is recorded and noticed, never dead-lettered, and an unknown case type is restricted."""

from __future__ import annotations

from notify_kit import NotifyKit, recipient_of
from support.api import wait_for

UNKNOWN = 99  # a case type and a filing type no build of this code knows


def test_an_entry_with_unknown_enum_values_is_noticed_and_fails_closed(
    notify_kit: NotifyKit,
) -> None:
    kit = notify_kit
    lead = kit.person()
    watcher = kit.person("public")
    case_number = kit.open_case([lead], case_type=UNKNOWN)  # type: ignore[arg-type]
    kit.wait_case_known(case_number)
    subscribed = watcher.api.request("PUT", f"/api/v1/cases/{case_number}/subscription")
    assert subscribed.status_code == 200, subscribed.text
    document = kit.store_document()
    kit.record(
        case_number,
        1,
        documents=[document],
        case_type=UNKNOWN,  # type: ignore[arg-type]
        filing_type=UNKNOWN,  # type: ignore[arg-type]
    )
    messages = kit.wait_messages(case_number, 2)
    assert {recipient_of(m) for m in messages} == {lead.email.lower(), watcher.email.lower()}
    assert kit.sql(
        "SELECT case_type, filing_type FROM notify.entries WHERE case_number = %s", case_number
    ) == [("unspecified", "unspecified")]
    wait_for(
        lambda: (
            len(kit.sql("SELECT 1 FROM notify.notices WHERE case_number = %s", case_number)) == 2
        ),
        what="both notices recorded",
    )
    links = dict(
        kit.sql(
            "SELECT lower(recipient_email), with_links FROM notify.notices WHERE case_number = %s",
            case_number,
        )
    )
    # Counsel of record may open the documents; a subscriber in a case of unknown type may not.
    assert links == {lead.email.lower(): True, watcher.email.lower(): False}
