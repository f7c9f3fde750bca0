"""A maintenance window on the real stack: every process refuses changes within 2 seconds.

The state is set the way operators set it (``openecf maintenance on|off`` in a subprocess, or
the admin API), travels through auth's outbox and the compacted ``platform.maintenance``
topic, and each of the six processes follows it on its own. Every test leaves the court open:
the stack is shared by the whole session.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import psycopg
import pytest
from court.v1 import (
    access_pb2,
    access_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    docket_pb2,
    docket_pb2_grpc,
    filing_pb2,
    filing_pb2_grpc,
    notify_pb2,
    notify_pb2_grpc,
)
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from support.api import Api, efiler, file, petition
from support.cli import openecf
from support.metrics import metric_sum, metrics_url, scrape
from support.pdf_corpus import text_1_page

from services.auth import maintenance
from services.common.identity import SERVICE_IDENTITY, signer_for
from services.common.settings import PROCESS_NAMES, SERVICE_NAMES
from services.stack.supervisor import LocalStack

SEEN_WITHIN = 2.0  # seconds: every process follows a change this fast


@dataclass(frozen=True)
class Outcome:
    refused: bool  # refused for maintenance
    retry_after: int | None = None
    detail: str = ""


def _grpc_outcome(call: Callable[[], object]) -> Outcome:
    try:
        call()
    except grpc.RpcError as error:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
        reason, retry = None, None
        for detail in status.details if status else []:
            info, delay = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
            if detail.Unpack(info):
                reason = info.reason
            elif detail.Unpack(delay):
                retry = delay.retry_delay.seconds
        refused = error.code() == grpc.StatusCode.UNAVAILABLE and reason == "maintenance"  # type: ignore[attr-defined]
        return Outcome(refused, retry, f"{error.code().name} {reason}")  # type: ignore[attr-defined]
    return Outcome(False, None, "OK")


class Court:
    """One mutating call per process, made the way a caller that skips the edge would."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.edge = f"http://127.0.0.1:{stack.settings.edge_port}"
        self.channels = {
            s: grpc.insecure_channel(stack.settings.grpc_addr(s)) for s in SERVICE_NAMES
        }

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()

    def mutate(self, process: str, metadata: list[tuple[str, str]] | None = None) -> Outcome:
        ch, md = self.channels.get(process), metadata or []
        calls: dict[str, Callable[[], object]] = {
            "auth": lambda: auth_pb2_grpc.AuthServiceStub(ch).Register(
                auth_pb2.RegisterRequest(), metadata=md, timeout=5
            ),
            "filing": lambda: filing_pb2_grpc.FilingServiceStub(ch).SubmitFiling(
                iter([filing_pb2.SubmitFilingRequest()]), metadata=md, timeout=5
            ),
            "docket": lambda: docket_pb2_grpc.DocketServiceStub(ch).SealEntry(
                docket_pb2.SealEntryRequest(case_number="26-1", entry_number=1),
                metadata=md,
                timeout=5,
            ),
            "notify": lambda: notify_pb2_grpc.NotifyServiceStub(ch).Subscribe(
                notify_pb2.SubscribeRequest(case_number="26-1"), metadata=md, timeout=5
            ),
            "access": lambda: access_pb2_grpc.AccessServiceStub(ch).StoreDocument(
                iter([access_pb2.StoreDocumentRequest()]), metadata=md, timeout=5
            ),
        }
        if process != "edge":
            return _grpc_outcome(calls[process])
        response = httpx.post(f"{self.edge}/api/v1/accounts", json={}, timeout=10)
        if response.status_code == 503 and response.json().get("code") == "maintenance":
            return Outcome(True, int(response.headers["retry-after"]), response.text)
        return Outcome(False, None, f"{response.status_code}")

    def all(self) -> dict[str, Outcome]:
        with ThreadPoolExecutor(len(PROCESS_NAMES)) as pool:
            return dict(zip(PROCESS_NAMES, pool.map(self.mutate, PROCESS_NAMES), strict=True))

    def wait_all(self, *, refused: bool, within: float = SEEN_WITHIN) -> dict[str, Outcome]:
        """Poll every process until each refuses (or admits) changes; fail after ``within``."""
        started = time.monotonic()
        seen: dict[str, float] = {}
        latest: dict[str, Outcome] = {}
        while True:
            for process, outcome in self.all().items():
                latest[process] = outcome
                if outcome.refused is refused:
                    seen.setdefault(process, time.monotonic() - started)
                else:
                    seen.pop(process, None)
            if len(seen) == len(PROCESS_NAMES):
                return latest
            if time.monotonic() - started > within:
                missing = {p: latest[p].detail for p in PROCESS_NAMES if p not in seen}
                raise AssertionError(
                    f"not {'refusing' if refused else 'open'} within {within}s: {missing}"
                )
            time.sleep(0.05)


@pytest.fixture
def court(stack: LocalStack) -> Iterator[Court]:
    court = Court(stack)
    try:
        yield court
    finally:
        # Whatever happened, leave the court open for the rest of the session.
        off = openecf(stack, "maintenance", "off")
        assert off.returncode == 0, off.stderr
        court.wait_all(refused=False, within=5)
        court.close()


def _health(stack: LocalStack) -> dict[str, str]:
    out = {}
    for service in SERVICE_NAMES:
        with grpc.insecure_channel(stack.settings.grpc_addr(service)) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        out[service] = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return out


def _gauge(stack: LocalStack, process: str, name: str) -> float:
    for sample in scrape(metrics_url(stack.settings.metrics_port(process))):
        if sample.name == name:
            return float(sample.value)
    raise AssertionError(f"{name} not on {process}'s /metrics")


def test_a_forced_window_closes_every_process_and_off_reopens_it(
    stack: LocalStack, court: Court, edge_url: str
) -> None:
    assert all(not o.refused for o in court.all().values())  # open before

    turned_on = openecf(stack, "maintenance", "on", "--until", "10m", "--reason", "upgrade test")
    assert turned_on.returncode == 0, turned_on.stderr
    expected_end = datetime.now(UTC) + timedelta(minutes=10)
    assert "maintenance: ON" in turned_on.stdout
    outcomes = court.wait_all(refused=True)

    # RetryInfo on gRPC and Retry-After at the edge: the seconds left until `until`.
    for process, outcome in outcomes.items():
        left = (expected_end - datetime.now(UTC)).total_seconds()
        assert outcome.retry_after is not None, process
        assert abs(outcome.retry_after - left) <= 5, (process, outcome.retry_after, left)

    # Health, readiness, liveness, the API description and reads keep answering.
    assert set(_health(stack).values()) == {"SERVING"}
    assert httpx.get(f"{edge_url}/readyz").status_code == 200
    assert httpx.get(f"{edge_url}/healthz").status_code == 200
    assert httpx.get(f"{edge_url}/openapi.json").status_code == 200
    status = httpx.get(f"{edge_url}/api/v1/status").json()
    assert status["active"] is True
    assert status["reason"] == "upgrade test"
    assert status["source"] == "admin"
    ends_at = datetime.fromisoformat(status["ends_at"].replace("Z", "+00:00"))
    assert abs((ends_at - expected_end).total_seconds()) <= 5
    with grpc.insecure_channel(stack.settings.grpc_addr("docket")) as channel:
        read = _grpc_outcome(
            lambda: docket_pb2_grpc.DocketServiceStub(channel).GetCase(
                docket_pb2.GetCaseRequest(case_number="26-1"), timeout=5
            )
        )
    assert not read.refused, read.detail
    for process in PROCESS_NAMES:
        assert _gauge(stack, process, "openecf_maintenance_active") == 1, process

    # Service-to-service work goes on; the edge's own calls are gated like a person's.
    store = "/court.v1.AccessService/StoreDocument"
    as_filing = [(SERVICE_IDENTITY, signer_for(stack.settings.keys_dir, "filing").token(store))]
    as_edge = [(SERVICE_IDENTITY, signer_for(stack.settings.keys_dir, "edge").token(store))]
    assert not court.mutate("access", as_filing).refused
    assert court.mutate("access", as_edge).refused

    turned_off = openecf(stack, "maintenance", "off")
    assert turned_off.returncode == 0, turned_off.stderr
    assert turned_off.stdout.strip() == "maintenance: off"
    court.wait_all(refused=False)
    assert httpx.get(f"{edge_url}/api/v1/status").json()["active"] is False
    for process in PROCESS_NAMES:
        assert _gauge(stack, process, "openecf_maintenance_active") == 0, process
    assert _gauge(stack, "filing", "openecf_maintenance_next_window_seconds") > 0
    refused_total = metric_sum(
        metrics_url(stack.settings.metrics_port("edge")), "openecf_maintenance_refused_total"
    )
    assert refused_total >= 1


def test_a_window_ends_by_itself_at_until_with_no_off(
    stack: LocalStack, court: Court, database_url: str
) -> None:
    turned_on = openecf(stack, "maintenance", "on", "--until", "5s", "--reason", "short")
    assert turned_on.returncode == 0, turned_on.stderr
    with psycopg.connect(database_url, options="-c search_path=auth") as conn:
        state = maintenance.current(conn)
    assert state.active and state.until is not None
    seconds_left = (state.until - datetime.now(UTC)).total_seconds()
    assert seconds_left > 1.5, "the command took too long to test the window while open"
    court.wait_all(refused=True, within=min(SEEN_WITHIN, seconds_left - 0.5))

    wait = (state.until - datetime.now(UTC)).total_seconds()
    time.sleep(max(wait, 0))
    court.wait_all(refused=False, within=1.0)
    with psycopg.connect(database_url, options="-c search_path=auth") as conn:
        assert maintenance.current(conn).active  # nobody said "off": `until` alone ended it
    status = httpx.get(f"{court.edge}/api/v1/status").json()
    assert status["active"] is False and status["ends_at"] is None


def test_work_queued_before_the_window_is_still_delivered_during_it(
    stack: LocalStack, court: Court, database_url: str
) -> None:
    username = f"queued{uuid.uuid4().hex[:8]}"
    registered = httpx.post(
        f"{court.edge}/api/v1/accounts",
        json={
            "username": username,
            "password": "a long and unusual passphrase 42",
            "name": "Queued Before Maintenance",
            "email": f"{username}@example.org",
            "role": "public",
        },
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    account_id = registered.json()["account_id"]
    # Close the court at once (in-process, no command start-up), then watch notify consume.
    with psycopg.connect(database_url, options="-c search_path=auth") as conn, conn.transaction():
        now = datetime.now(UTC)
        maintenance.force_on(
            conn, until=now + timedelta(minutes=10), reason="queue test", set_by="test", now=now
        )
    court.wait_all(refused=True)

    deadline = time.monotonic() + 20
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT username FROM notify.recipients WHERE account_id = %s", [account_id]
            ).fetchone()
            if row:
                break
            assert time.monotonic() < deadline, "the queued event was not consumed"
            time.sleep(0.1)
    assert row == (username,)
    assert court.mutate("edge").refused  # …and the court was closed all along


def test_an_admin_ends_a_forced_window_through_the_api(
    stack: LocalStack, court: Court, admin: object, edge_url: str
) -> None:
    from support.api import register

    assert isinstance(admin, Api)
    person, body = register(edge_url)  # registered (and logged in) before the window

    forbidden = person.request(
        "PUT", "/api/v1/admin/maintenance", json={"active": True, "until": "5m"}
    )
    assert forbidden.status_code == 403, forbidden.text
    anonymous = httpx.put(
        f"{edge_url}/api/v1/admin/maintenance", json={"active": True, "until": "5m"}
    )
    assert anonymous.status_code == 401, anonymous.text

    on = admin.request(
        "PUT",
        "/api/v1/admin/maintenance",
        json={"active": True, "until": "5m", "reason": "forced by the admin"},
    )
    assert on.status_code == 200, on.text
    assert on.json()["active"] is True and on.json()["source"] == "admin"
    assert 290 <= on.json()["retry_after_seconds"] <= 300
    court.wait_all(refused=True)

    # During the window people can still log in and out; the admin can end it.
    again = Api(edge_url)
    assert again.login(body["username"], body["password"]).status_code == 201
    assert again.delete("/api/v1/sessions/current").status_code == 204
    off = admin.request("PUT", "/api/v1/admin/maintenance", json={"active": False})
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    court.wait_all(refused=False)


def test_the_api_refuses_a_reason_with_control_characters(admin: object) -> None:
    assert isinstance(admin, Api)
    refused = admin.request(
        "PUT",
        "/api/v1/admin/maintenance",
        json={"active": True, "until": "5m", "reason": "a\u001b[2J\u202eevil"},
    )
    assert refused.status_code == 422, refused.text
    assert (refused.json()["code"], refused.json()["field"]) == ("invalid_text", "reason")
    assert admin.request("GET", "/api/v1/status").json()["active"] is False


def test_checking_a_filing_works_during_a_window_and_filing_it_is_refused(
    stack: LocalStack, court: Court, edge_url: str, clerk: Api
) -> None:
    lawyer = efiler(edge_url, clerk)  # before the window: registering is a change
    turned_on = openecf(stack, "maintenance", "on", "--until", "10m", "--reason", "check test")
    assert turned_on.returncode == 0, turned_on.stderr
    court.wait_all(refused=True)

    # One rule for the edge and the filing service: a check writes nothing, so it stays open.
    checked = file(lawyer, petition(), text_1_page(), check=True)
    assert checked.status_code == 200, checked.text
    assert checked.json()["acceptable"] is True
    filed = file(lawyer, petition(), text_1_page(), key=str(uuid.uuid4()))
    assert (filed.status_code, filed.json()["code"]) == (503, "maintenance")
    assert int(filed.headers["retry-after"]) > 0
