"""Technical failures through the edge and the command line, against the real stack: an
administrator's record, proposals from observed failures (confirmed or dismissed), the public
list and status page in court time, and the note on a receipt filed just after an outage.

(The outage recorded for the receipt covers the rest of the session's filings too: their
receipts carry the note, which no other test reads.)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support.api import Api, efiler, file, petition, register, wait_for
from support.cli import openecf
from support.pdf_corpus import text_1_page

from services.auth import direct, technical_failures
from services.common.technical_failures import Observation
from services.stack.supervisor import LocalStack


def public_failures(edge_url: str) -> list[dict[str, Any]]:
    reply = Api(edge_url).get("/api/v1/technical-failures")  # no login needed
    assert reply.status_code == 200, reply.text
    failures: list[dict[str, Any]] = reply.json()["technical_failures"]
    return failures


def test_an_administrator_records_an_outage_and_it_is_public_in_court_time(
    admin: Api, edge_url: str, stack: LocalStack
) -> None:
    recorded = admin.post(
        "/api/v1/admin/technical-failures",
        json={
            # Court-local (no offset): 2026-01-13 is PST, UTC-8.
            "started_at": "2026-01-13T09:05:00",
            "ended_at": "2026-01-13T11:35:00",
            "unavailable": "filing and document upload",
            "note": "storage outage at the data centre",
        },
    )
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert (body["status"], body["source"]) == ("confirmed", "admin")
    assert body["started_at"]["utc"] == "2026-01-13T17:05:00Z"
    assert body["started_at"]["local"] == "2026-01-13T09:05:00-08:00"
    listed = [f for f in public_failures(edge_url) if f["failure_id"] == body["failure_id"]]
    assert listed == [body]
    # The same record again (a double click) is refused, naming the first; both at once too.
    same = {
        "started_at": "2026-01-13T09:05:00",
        "ended_at": "2026-01-13T11:35:00",
        "unavailable": "filing and document upload",
        "note": "storage outage at the data centre",
    }
    again = admin.post("/api/v1/admin/technical-failures", json=same)
    assert (again.status_code, again.json()["code"]) == (409, "duplicate"), again.text
    assert again.json()["failure_id"] == body["failure_id"]
    other = {**same, "started_at": "2026-01-14T09:05:00", "ended_at": "2026-01-14T11:35:00"}
    with ThreadPoolExecutor(4) as pool:
        codes = sorted(
            r.status_code
            for r in pool.map(
                lambda _: admin.post("/api/v1/admin/technical-failures", json=other), range(4)
            )
        )
    assert codes == [201, 409, 409, 409]
    # The command line reads the same record, in court time.
    out = openecf(stack, "technical-failures", "list")
    assert out.returncode == 0, out.stderr
    assert f"{body['failure_id']} confirmed: 2026-01-13 09:05 PST to 2026-01-13 11:35 PST" in (
        out.stdout
    )


def test_recording_is_for_administrators_and_bad_times_are_clear_errors(
    admin: Api, clerk: Api, edge_url: str
) -> None:
    path = "/api/v1/admin/technical-failures"
    good = {"started_at": "2026-01-02T10:00", "ended_at": "2026-01-02T11:00", "unavailable": "x"}
    for who in (clerk, register(edge_url, "attorney")[0]):
        refused = who.post(path, json=good)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert Api(edge_url).post(path, json=good).status_code == 401
    for bad, field in (
        ({**good, "ended_at": "2026-01-02T09:00"}, "ended_at"),
        ({**good, "ended_at": "2099-01-01T00:00"}, "ended_at"),
        ({**good, "started_at": "yesterday"}, "started_at"),
        ({**good, "unavailable": ""}, "unavailable"),
    ):
        reply = admin.post(path, json=bad)
        assert reply.status_code == 422, reply.text
        assert reply.json()["code"] == "validation_failed" and field in reply.text
    assert Api(edge_url).get("/api/v1/admin/technical-failures").status_code == 401
    assert clerk.get("/api/v1/admin/technical-failures").status_code == 403


def test_a_long_failure_outside_maintenance_is_proposed_and_the_administrator_decides(
    admin: Api, edge_url: str, stack: LocalStack, database_url: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    long_start, short_start = now - timedelta(hours=3), now - timedelta(hours=2)
    seen = [
        Observation(long_start + timedelta(minutes=m), False, False, "filing")
        for m in range(0, 20, 2)
    ]
    seen += [Observation(long_start + timedelta(minutes=20), True)]
    seen += [Observation(short_start, False, False, "access")]  # 4 minutes: too short
    seen += [Observation(short_start + timedelta(minutes=4), True)]
    with direct.connect(database_url) as conn, conn.transaction():
        for observation in seen:
            technical_failures.observe(conn, observation)
    proposed = openecf(stack, "technical-failures", "propose")
    assert proposed.returncode == 0, proposed.stderr  # auth's own job may have been first

    def mine() -> list[dict[str, Any]]:
        reply = admin.get("/api/v1/admin/technical-failures")
        assert reply.status_code == 200, reply.text
        start = long_start.strftime("%Y-%m-%dT%H:%M:%SZ")
        short = short_start.strftime("%Y-%m-%dT%H:%M:%SZ")
        every = reply.json()["technical_failures"]
        assert not [f for f in every if f["started_at"]["utc"] == short]
        return [f for f in every if f["started_at"]["utc"] == start]

    found = wait_for(lambda: mine() or None, 10, what="the proposal")
    assert [(f["status"], f["source"], f["unavailable"]) for f in found] == [
        ("proposed", "observed", "filing")
    ]
    failure_id = found[0]["failure_id"]
    assert found[0]["ended_at"]["utc"] == (long_start + timedelta(minutes=20)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    # Proposed is not public yet; proposing again proposes nothing new.
    assert failure_id not in {f["failure_id"] for f in public_failures(edge_url)}
    again = openecf(stack, "technical-failures", "propose")
    assert again.stdout.strip() == "nothing new to propose"

    confirmed = admin.post(
        f"/api/v1/admin/technical-failures/{failure_id}/confirm",
        json={"note": "the filing service lost its database"},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["note"]) == (
        "confirmed",
        "the filing service lost its database",
    )
    assert failure_id in {f["failure_id"] for f in public_failures(edge_url)}
    twice = admin.post(f"/api/v1/admin/technical-failures/{failure_id}/dismiss")
    assert (twice.status_code, twice.json()["code"]) == (409, "already_decided")
    unknown = admin.post(f"/api/v1/admin/technical-failures/{'0' * 8}/confirm")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


def test_the_probe_records_what_it_sees_of_the_running_stack(database_url: str) -> None:
    def latest() -> tuple[bool, str] | None:
        with direct.connect(database_url) as conn:
            row = conn.execute(
                "SELECT ok, what FROM availability_observations"
                " WHERE observed_at > now() - interval '2 minutes' ORDER BY observed_at DESC"
            ).fetchone()
        return (row[0], row[1]) if row else None

    def every_service_answers() -> tuple[bool, str] | None:
        seen = latest()
        return seen if seen == (True, "") else None

    # An earlier test of this worker may have restarted a service a moment ago, and the probe
    # (every 30 s) then rightly saw it down: the next look at the running stack finds it up.
    wait_for(every_service_answers, 75, what="an observation that filing, access, docket answer")


@pytest.mark.timeout(180)
def test_a_receipt_filed_just_after_an_outage_says_so(
    admin: Api, clerk: Api, edge_url: str
) -> None:
    attorney = efiler(edge_url, clerk)
    now = datetime.now(UTC).replace(microsecond=0)
    recorded = admin.post(
        "/api/v1/admin/technical-failures",
        json={
            "started_at": (now - timedelta(hours=1)).isoformat(),
            "ended_at": (now - timedelta(minutes=10)).isoformat(),
            "unavailable": "filing",
        },
    )
    assert recorded.status_code == 201, recorded.text
    failure_id = recorded.json()["failure_id"]
    receipt = file(attorney, petition(), text_1_page())
    assert receipt.status_code == 201, receipt.text
    note = receipt.json()["technical_failure"]
    assert (note["failure_id"], note["received"], note["unavailable"]) == (
        failure_id,
        "after",
        "filing",
    )
    status = attorney.get(f"/api/v1/filings/{receipt.json()['filing_id']}").json()
    assert status["technical_failure"]["failure_id"] == failure_id
    # The status page lists the recent outage too.
    page = Api(edge_url).get("/api/v1/status").json()
    assert failure_id in {f["failure_id"] for f in page["technical_failures"]}
