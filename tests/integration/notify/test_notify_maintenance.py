"""Notices of entries recorded before a maintenance window go out during it."""

from __future__ import annotations

import grpc
from court.v1 import notify_pb2, notify_pb2_grpc
from notify_kit import FREE_LOOK, NotifyKit, message_text
from support.api import Api, wait_for

from services.common.grpc_client import metadata_for
from services.stack.supervisor import LocalStack


def _refused_by_notify(stack: LocalStack, token: str | None, case_number: str) -> bool:
    # A write with no effect: Unsubscribe of a reader who never subscribed. (Subscribe, when
    # notify had not yet learnt of the window, subscribed the reader, who then got an NDA too.)
    with grpc.insecure_channel(stack.settings.grpc_addr("notify")) as channel:
        try:
            notify_pb2_grpc.NotifyServiceStub(channel).Unsubscribe(
                notify_pb2.UnsubscribeRequest(case_number=case_number),
                metadata=tuple(metadata_for(token)),
                timeout=5,
            )
        except grpc.RpcError as error:
            return error.code() == grpc.StatusCode.UNAVAILABLE
    return False


def test_notices_recorded_before_a_window_are_delivered_during_it(
    notify_kit: NotifyKit, stack: LocalStack, admin: Api
) -> None:
    kit = notify_kit
    attorney = kit.person(notice_format="text")
    reader = kit.person("public")
    document = kit.store_document(pages=4, filename="brief.pdf")
    case_number = kit.open_case([attorney])
    kit.wait_case_known(case_number)

    stack.stop_child("notify")  # the entry is recorded; its notices are not out yet
    try:
        kit.record(case_number, 1, documents=[document])
        forced = admin.request(
            "PUT",
            "/api/v1/admin/maintenance",
            json={"active": True, "until": "10m", "reason": "notify test"},
        )
        assert forced.status_code == 200, forced.text
    finally:
        stack.restart_child("notify")
    try:
        wait_for(
            lambda: _refused_by_notify(stack, reader.api.token, case_number),
            what="notify itself closed for maintenance",
        )
        closed = reader.api.request("PUT", f"/api/v1/cases/{case_number}/subscription")
        assert (closed.status_code, closed.json()["code"]) == (503, "maintenance")

        mails = kit.wait_messages(case_number, 1, timeout=60)
        # One notice; a copy with the same Message-ID is the recognisable duplicate that an
        # interrupted SMTP conversation may leave (delivery is at least once, never a new id).
        by_id = {m["Message-ID"]: m for m in mails}
        assert len(by_id) == 1, [(m["To"], m["Message-ID"], m["Subject"]) for m in mails]
        (mail,) = by_id.values()
        assert len(FREE_LOOK.findall(message_text(mail))) == 1  # access still issues links
        listed = attorney.api.get("/api/v1/notices")  # reading keeps working
        assert listed.status_code == 200, listed.text
        assert [n["status"] for n in listed.json()["notices"]] == ["sent"]
    finally:
        # Open again before anything else runs, even when the test failed above: a window
        # left in force would fail every later test that writes.
        off = admin.request("PUT", "/api/v1/admin/maintenance", json={"active": False})
        assert off.status_code == 200, off.text
        wait_for(
            lambda: not _refused_by_notify(stack, reader.api.token, case_number),
            what="notify open again",
        )
        wait_for(
            lambda: not admin.get("/api/v1/status").json()["active"], what="the edge open again"
        )
