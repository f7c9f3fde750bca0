"""Technical failures proposed from the platform's own refusals, against a real stack of its
own (the threshold set low: 6 seconds; auth probes every second):

- the filing service stopped: filers get 503 ``unavailable``, the edge reports the refusals,
  and once filing is back one outage is proposed — from the first failure to the recovery,
  with "filing" as what was unavailable;
- refusals alone (health checks answering all along, as when a database restarts) make one
  outage too, through auth's real ``ReportRefusal``; only the edge may report;
- refusals inside the maintenance window propose nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from court.v1 import maintenance_pb2, maintenance_pb2_grpc
from support.api import Api, efiler, file, petition, wait_for
from support.pdf_corpus import text_1_page
from support.stack import start_stack

from services.auth import direct, technical_failures
from services.common.grpc_client import open_channel
from services.common.identity import service_signer
from services.common.technical_failures import HEALTH, REFUSAL, Observation
from services.stack.supervisor import LocalStack

THRESHOLD_SECONDS = 6.0
SLACK = timedelta(seconds=3)  # a probe interval, the coalescing of reports, a slow machine


@pytest.fixture(scope="module")
def low_threshold_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = start_stack(
        tmp_path_factory.mktemp("refusals-stack"),
        overrides={
            "technical_failure_threshold_minutes": THRESHOLD_SECONDS / 60,
            "availability_probe_seconds": 1.0,
        },
    )
    try:
        # auth probes from its first second, before filing, access and docket answer: wait
        # until that start-up failure is further back than proposals join runs (two probe
        # intervals), or a test's outage begun at once is merged with it.
        wait_for(lambda: settled_since_start(running), 60, what="auth's probes all ok for 3 s")
        yield running
    finally:
        running.down()


def settled_since_start(stack: LocalStack) -> bool:
    with direct.connect(stack.settings.require_database_url()) as conn:
        last_ok, last_failing = conn.execute(
            "SELECT max(observed_at) FILTER (WHERE ok), max(observed_at) FILTER (WHERE NOT ok)"
            " FROM availability_observations WHERE source = %s",
            [HEALTH],
        ).fetchone() or (None, None)
    return last_ok is not None and (
        last_failing is None or last_ok - last_failing > timedelta(seconds=3)
    )


def logged_in(stack: LocalStack, role: str) -> Api:
    entry = next(a for a in stack.demo_accounts if a["role"] == role)
    api = Api(f"http://127.0.0.1:{stack.settings.edge_port}")
    assert api.login(entry["username"], entry["password"]).status_code == 201
    return api


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def observed_between(admin: Api, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Proposals the platform made that overlap [start, end]."""
    reply = admin.get("/api/v1/admin/technical-failures")
    assert reply.status_code == 200, reply.text
    return [
        f
        for f in reply.json()["technical_failures"]
        if f["source"] == "observed"
        and utc(f["started_at"]["utc"]) <= end
        and utc(f["ended_at"]["utc"]) >= start
    ]


def refusal_rows(stack: LocalStack, since: datetime) -> list[tuple[bool, bool, str]]:
    with direct.connect(stack.settings.require_database_url()) as conn:
        rows = conn.execute(
            "SELECT ok, in_maintenance, what FROM availability_observations"
            " WHERE source = 'refusal' AND observed_at >= %s ORDER BY observed_at",
            [since],
        ).fetchall()
    return [tuple(row) for row in rows]


@pytest.mark.timeout(300)
def test_filing_stopped_outside_the_window_is_one_proposed_outage(
    low_threshold_stack: LocalStack,
) -> None:
    stack = low_threshold_stack
    edge_url = f"http://127.0.0.1:{stack.settings.edge_port}"
    admin, clerk = logged_in(stack, "admin"), logged_in(stack, "clerk")
    attorney = efiler(edge_url, clerk)
    lead = text_1_page()
    assert file(attorney, petition(), lead).status_code == 201  # filing works first

    stopped_at = datetime.now(UTC)
    assert stack.stop_child("filing") == 0
    refusals: list[datetime] = []
    try:
        # Refused for longer than the threshold (and across one coalescing window of reports).
        while not refusals or datetime.now(UTC) - refusals[0] < timedelta(
            seconds=THRESHOLD_SECONDS + 2
        ):
            refused = file(attorney, petition(), lead)
            assert (refused.status_code, refused.json()["code"]) == (503, "unavailable")
            assert refused.headers["Retry-After"]
            refusals.append(datetime.now(UTC))
            time.sleep(1.0)
    finally:
        stack.restart_child("filing")
    # The recovery, reported by the edge: the first filing accepted again. As a client does,
    # try again while the edge still answers 503 (its channel reconnecting, a loaded machine).
    wait_for(
        lambda: file(attorney, petition(), lead).status_code == 201,
        30,
        what="a filing accepted after the restart",
    )
    recovered_at = datetime.now(UTC)

    found = wait_for(
        lambda: observed_between(admin, stopped_at, recovered_at) or None,
        30,
        what="the proposed outage",
    )
    assert len(found) == 1, found  # one outage, not one per refusal or per probe
    proposal = found[0]
    assert (proposal["status"], proposal["unavailable"]) == ("proposed", "filing")
    started, ended = utc(proposal["started_at"]["utc"]), utc(proposal["ended_at"]["utc"])
    assert stopped_at - SLACK <= started <= refusals[0] + SLACK
    assert refusals[-1] <= ended <= recovered_at + SLACK
    assert proposal["started_at"]["local"].endswith(("-08:00", "-07:00"))  # court time

    # The edge's reports reached auth: refusals of filing, then the recovery; coalesced. The
    # edge sends them from a queue of its own, so the recovery may land after the proposal
    # (which auth's health probes can close first).
    def recovery_reported() -> list[tuple[bool, bool, str]] | None:
        rows = refusal_rows(stack, stopped_at)
        return rows if rows[-1:] == [(True, False, "")] else None

    reported = wait_for(recovery_reported, 10, what="the edge's recovery report")
    assert (False, False, "filing") in reported
    assert len(reported) < len(refusals) + 1
    # The job keeps running (every second, in auth): still exactly one proposal.
    time.sleep(3)
    assert [f["failure_id"] for f in observed_between(admin, stopped_at, recovered_at)] == [
        proposal["failure_id"]
    ]


def edge_identity_channel(stack: LocalStack, process: str) -> grpc.Channel:
    return open_channel(
        stack.settings.grpc_addr("auth"), signer=service_signer(stack.settings, process)
    )


@pytest.mark.timeout(120)
def test_refusals_alone_make_one_outage_and_only_the_edge_may_report(
    low_threshold_stack: LocalStack,
) -> None:
    """A database restart: every health check answers, filings are refused."""
    stack = low_threshold_stack
    admin = logged_in(stack, "admin")
    with edge_identity_channel(stack, "filing") as channel:
        stranger = maintenance_pb2_grpc.TechnicalFailureServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stranger.ReportRefusal(maintenance_pb2.ReportRefusalRequest(what="filing"))
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with edge_identity_channel(stack, "edge") as channel:
        edge = maintenance_pb2_grpc.TechnicalFailureServiceStub(channel)
        with pytest.raises(grpc.RpcError) as bad:
            edge.ReportRefusal(maintenance_pb2.ReportRefusalRequest(what="lunch"))
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        first = datetime.now(UTC)
        for _ in range(5):
            edge.ReportRefusal(maintenance_pb2.ReportRefusalRequest(what="filing"), timeout=5)
            time.sleep(2)
        edge.ReportRefusal(
            maintenance_pb2.ReportRefusalRequest(what="filing", recovered=True), timeout=5
        )
        last = datetime.now(UTC)
    found = wait_for(lambda: observed_between(admin, first, last) or None, 20, what="the proposal")
    assert [(f["status"], f["unavailable"]) for f in found] == [("proposed", "filing")]
    assert first <= utc(found[0]["started_at"]["utc"]) <= first + SLACK
    assert last - SLACK <= utc(found[0]["ended_at"]["utc"]) <= last


@pytest.mark.timeout(300)
def test_refusals_inside_the_maintenance_window_propose_nothing(
    low_threshold_stack: LocalStack,
) -> None:
    stack = low_threshold_stack
    edge_url = f"http://127.0.0.1:{stack.settings.edge_port}"
    admin = logged_in(stack, "admin")
    began = datetime.now(UTC)
    closed = admin.request(
        "PUT",
        "/api/v1/admin/maintenance",
        json={"active": True, "reason": "upgrade", "until": "10m"},
    )
    assert closed.status_code == 200, closed.text
    wait_for(
        lambda: Api(edge_url).get("/api/v1/status").json()["active"] or None,
        20,
        what="the edge to see the window",
    )
    try:
        assert stack.stop_child("docket") == 0
        try:
            refused: list[datetime] = []  # for longer than the threshold
            while not refused or datetime.now(UTC) - refused[0] < timedelta(
                seconds=THRESHOLD_SECONDS + 2
            ):
                sheet = admin.get("/api/v1/cases/26-1/docket")  # reads stay open: 503 is docket
                assert (sheet.status_code, sheet.json()["code"]) == (503, "unavailable")
                refused.append(datetime.now(UTC))
                time.sleep(1.0)
        finally:
            stack.restart_child("docket")
    finally:
        reopened = admin.request("PUT", "/api/v1/admin/maintenance", json={"active": False})
        assert reopened.status_code == 200, reopened.text
    ended = datetime.now(UTC)
    assert len(refused) >= 3
    time.sleep(4)  # the job (every second) ran several times since, outside the window too
    assert observed_between(admin, began, ended) == []
    # The edge did not even report them (the window is not a technical failure).
    assert refusal_rows(stack, began) == []


def test_a_late_observation_that_moves_a_start_never_proposes_twice(
    low_threshold_stack: LocalStack,
) -> None:
    """Every auth replica runs the job; a refusal reported late (earlier than the run's first
    probe) moves the outage's start, and the outage is still proposed once."""
    stack = low_threshold_stack
    admin = logged_in(stack, "admin")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    seen = [Observation(start + timedelta(minutes=m), False, False, "filing") for m in range(10)]
    seen.append(Observation(start + timedelta(minutes=10), True))
    threshold, join = timedelta(minutes=5), timedelta(seconds=2)
    with direct.connect(stack.settings.require_database_url()) as conn:
        with conn.transaction():
            for observation in seen:
                technical_failures.observe(conn, observation)
        with conn.transaction():  # auth's own job (every second here) may have been first
            technical_failures.propose(conn, threshold=threshold, join=join, now=start)
        with conn.transaction():
            late = Observation(start - timedelta(seconds=1), False, False, "filing", REFUSAL)
            technical_failures.observe(conn, late)
            again = technical_failures.propose(
                conn, threshold=threshold, join=join, now=datetime.now(UTC)
            )
    assert again == []
    time.sleep(2)  # and the running job, every second, agrees
    found = observed_between(admin, start - timedelta(minutes=1), start + timedelta(minutes=10))
    assert len(found) == 1, found
    assert utc(found[0]["started_at"]["utc"]) == start
