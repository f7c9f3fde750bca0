"""On the real stack, one filing end to end: an e-filer's petition sent through the edge with a
known trace id, docketed, its NDAs mailed, its document opened. Then:
- a search of every process's JSON log by that trace id finds the edge request, the filing,
  the docket entries, the stored document and the notices;
- every process's /metrics parses, exports only families docs/metrics.md lists (with their type
  and labels, for the processes it names), and the families the flow touches moved.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from observability_kit import PROCESSES, documented_families
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from support.api import Api, docketed_status, efiler, petition, wait_for
from support.pdf_corpus import text_1_page

from services.stack.smtp_sink import read_messages
from services.stack.supervisor import LocalStack

pytestmark = pytest.mark.stack

Scrape = dict[str, list[Metric]]


def scrape(stack: LocalStack, process: str) -> list[Metric]:
    url = f"http://127.0.0.1:{stack.settings.metrics_port(process)}/metrics"
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, (process, response.status_code)
    assert response.headers["content-type"].startswith("text/plain")
    return list(text_string_to_metric_families(response.text))


def scrape_all(stack: LocalStack) -> Scrape:
    return {process: scrape(stack, process) for process in PROCESSES}


def total(families: list[Metric], sample: str, **labels: str) -> float:
    """The sum of the samples named ``sample`` whose labels include ``labels``."""
    return sum(
        s.value
        for family in families
        for s in family.samples
        if s.name == sample and labels.items() <= s.labels.items()
    )


@dataclass
class Flow:
    trace_id: str
    filing_id: str
    case_number: str
    document_id: str
    before: Scrape
    after: Scrape


def _file_with_trace(api: Api, metadata: dict[str, Any], lead: bytes, trace_id: str) -> Any:
    files = [
        ("metadata", ("metadata.json", json.dumps(metadata).encode(), "application/json")),
        ("lead", ("lead.pdf", lead, "application/pdf")),
    ]
    return api.post("/api/v1/filings", files=files, headers={"x-trace-id": trace_id})


# (process, sample, labels): what the flow must have moved.
MOVED: list[tuple[str, str, dict[str, str]]] = [
    (
        "edge",
        "http_requests_total",
        {"method": "POST", "route": "/api/v1/filings", "status": "201"},
    ),
    ("edge", "http_request_duration_seconds_count", {"route": "/api/v1/filings"}),
    ("edge", "grpc_client_handled_total", {"grpc_method": "SubmitFiling", "grpc_code": "OK"}),
    # A server-streaming call, counted when the stream ends.
    ("edge", "grpc_client_started_total", {"grpc_method": "GetDocument"}),
    ("edge", "grpc_client_handled_total", {"grpc_method": "GetDocument", "grpc_code": "OK"}),
    ("edge", "grpc_client_handling_seconds_count", {"grpc_method": "GetDocument"}),
    ("auth", "openecf_logins_total", {"outcome": "ok"}),
    ("auth", "grpc_server_handled_total", {"grpc_method": "Login", "grpc_code": "OK"}),
    (
        "filing",
        "openecf_filings_total",
        {"filing_type": "petition_for_review", "outcome": "received"},
    ),
    ("filing", "openecf_pdf_validation_seconds_count", {}),
    ("filing", "openecf_filing_bytes_received_total", {}),
    ("filing", "grpc_server_handled_total", {"grpc_method": "SubmitFiling", "grpc_code": "OK"}),
    ("filing", "grpc_client_handled_total", {"grpc_method": "StoreDocument", "grpc_code": "OK"}),
    ("filing", "openecf_outbox_published_total", {"topic": "filing.events"}),
    ("filing", "openecf_events_consumed_total", {"consumer": "filing.cases", "outcome": "applied"}),
    ("docket", "openecf_docket_cases_opened_total", {"case_type": "agency"}),
    ("docket", "openecf_docket_entries_recorded_total", {"filing_type": "petition_for_review"}),
    ("docket", "openecf_docket_entries_recorded_total", {"filing_type": "court"}),
    ("docket", "openecf_docket_filing_to_entry_seconds_count", {"reviewed": "false"}),
    (
        "docket",
        "openecf_events_consumed_total",
        {"consumer": "docket.filings", "outcome": "applied"},
    ),
    ("docket", "openecf_event_handling_seconds_count", {"consumer": "docket.filings"}),
    ("docket", "openecf_outbox_published_total", {"topic": "docket.events"}),
    ("docket", "grpc_server_handled_total", {"grpc_method": "GetDocketSheet", "grpc_code": "OK"}),
    ("notify", "openecf_notices_total", {"kind": "nda", "outcome": "sent"}),
    ("notify", "openecf_nda_delivery_latency_seconds_count", {}),
    ("notify", "openecf_nda_free_look_requests_total", {"outcome": "issued"}),
    (
        "notify",
        "openecf_events_consumed_total",
        {"consumer": "notify.notices", "outcome": "applied"},
    ),
    ("notify", "grpc_server_handled_total", {"grpc_code": "OK"}),
    ("access", "openecf_access_documents_stored_total", {}),
    ("access", "openecf_access_decisions_total", {"outcome": "allowed"}),
    ("access", "openecf_access_bytes_served_total", {"via": "document"}),
    ("access", "openecf_access_free_looks_issued_total", {}),
    ("access", "grpc_server_handled_total", {"grpc_method": "StoreDocument", "grpc_code": "OK"}),
    ("access", "openecf_events_consumed_total", {"consumer": "access.cases", "outcome": "applied"}),
]


def _moved(before: Scrape, after: Scrape) -> list[tuple[str, str, dict[str, str]]]:
    return [
        (process, sample, labels)
        for process, sample, labels in MOVED
        if total(after[process], sample, **labels) <= total(before[process], sample, **labels)
    ]


@pytest.fixture(scope="module")
def flow(stack: LocalStack, edge_url: str, clerk: Api) -> Flow:
    before = scrape_all(stack)
    attorney = efiler(edge_url, clerk)
    trace_id = uuid.uuid4().hex
    filed = _file_with_trace(attorney, petition(), text_1_page(), trace_id)
    assert filed.status_code == 201, filed.text
    assert filed.headers["x-trace-id"] == trace_id
    filing_id = filed.json()["filing_id"]

    case_number = docketed_status(attorney, filing_id)["case_number"]
    email = attorney.account["email"].lower()

    def mailed_entries() -> set[int] | None:
        entries = {
            int(m["X-OpenECF-Entry"])
            for m in read_messages(stack.maildir)
            if m["X-OpenECF-Case"] == case_number and email in str(m["To"]).lower()
        }
        return entries if {1, 2} <= entries else None

    wait_for(mailed_entries, timeout=90, what="the NDAs of entries 1 and 2 mailed")
    sheet = attorney.get(f"/api/v1/cases/{case_number}/docket")
    assert sheet.status_code == 200, sheet.text
    (document,) = sheet.json()["entries"][0]["documents"]
    assert document["may_open"] is True
    opened = attorney.get(f"/api/v1/documents/{document['document_id']}")
    assert opened.status_code == 200 and opened.content.startswith(b"%PDF")
    notices = attorney.get("/api/v1/notices")
    assert notices.status_code == 200 and case_number in notices.text

    # Counters move a moment after the effect people see (the mail, the response).
    after: Scrape = {}

    def settled() -> bool:
        after.update(scrape_all(stack))
        return not _moved(before, after)

    # If they do not, test_the_flow_moved_the_expected_families names what did not move.
    with contextlib.suppress(AssertionError):
        wait_for(settled, timeout=30, what="the metrics of the flow")
    return Flow(trace_id, filing_id, case_number, document["document_id"], before, after)


# What each process must have logged under the filing's trace id: (msg, fields).
TRACED: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "edge": [("request", {"method": "POST", "route": "/api/v1/filings", "status": 201})],
    "filing": [("filing received", {})],
    "access": [("document stored", {}), ("free look issued", {})],
    "docket": [
        ("case opened", {}),
        ("entry recorded", {"entry_number": 1}),
        ("entry recorded", {"entry_number": 2}),
    ],
    "notify": [
        ("notices recorded", {"entry_number": 1}),
        ("notices recorded", {"entry_number": 2}),
        ("NDA sent", {"entry_number": 1}),
        ("NDA sent", {"entry_number": 2}),
    ],
}


def _traced_lines(stack: LocalStack, process: str, trace_id: str) -> list[dict[str, Any]]:
    lines = []
    for line in (stack.log_dir / f"{process}.log").read_text(errors="replace").splitlines():
        if trace_id in line:
            record = json.loads(line)  # every line that names it is a JSON log line
            assert record["trace_id"] == trace_id, record
            assert record["service"] == process, record
            lines.append(record)
    return lines


def test_one_trace_id_follows_the_filing_to_its_notices(stack: LocalStack, flow: Flow) -> None:
    def missing() -> dict[str, list[str]]:
        absent: dict[str, list[str]] = {}
        for process, wanted in TRACED.items():
            lines = _traced_lines(stack, process, flow.trace_id)
            for msg, fields in wanted:
                if not any(line["msg"] == msg and fields.items() <= line.items() for line in lines):
                    absent.setdefault(process, []).append(msg)
        return absent

    try:
        wait_for(lambda: not missing(), timeout=20, what="the traced log lines")
    except AssertionError:
        raise AssertionError(f"not logged under {flow.trace_id}: {missing()}") from None
    edge = _traced_lines(stack, "edge", flow.trace_id)
    assert all(isinstance(line["duration_ms"], float) for line in edge if line["msg"] == "request")
    filing = _traced_lines(stack, "filing", flow.trace_id)
    assert any(line.get("filing_id") == flow.filing_id for line in filing)
    notify = _traced_lines(stack, "notify", flow.trace_id)
    assert {line.get("case_number") for line in notify if line["msg"] == "NDA sent"} == {
        flow.case_number
    }


def _exposed(families: list[Metric]) -> dict[str, tuple[str, set[str], int]]:
    """Queried name → (type, label names seen, sample count); `_created` gauges folded in."""
    exposed: dict[str, tuple[str, set[str], int]] = {}
    for family in families:
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = {k for s in family.samples for k in s.labels if k not in {"le", "quantile"}}
        exposed[name] = (family.type, labels, len(family.samples))
    for name in [n for n in exposed if n.endswith("_created")]:
        base = name.removesuffix("_created")
        if f"{base}_total" in exposed or exposed.get(base, ("",))[0] == "histogram":
            del exposed[name]
    return exposed


def test_every_process_exports_only_documented_families(flow: Flow) -> None:
    documented = documented_families()
    for process in PROCESSES:
        exposed = _exposed(flow.after[process])
        undocumented = sorted(set(exposed) - set(documented))
        assert not undocumented, f"{process} exports families docs/metrics.md does not list"
        for name, (kind, labels, count) in exposed.items():
            doc = documented[name]
            assert kind == doc.type, (process, name, kind, doc.type)
            if count:
                assert labels == doc.labels, (process, name, labels, doc.labels)
        for name, doc in documented.items():
            if process in doc.processes:
                assert name in exposed, f"docs/metrics.md says {process} exports {name}"


def test_the_flow_moved_the_expected_families(flow: Flow) -> None:
    assert _moved(flow.before, flow.after) == []
    for process in PROCESSES:
        families = flow.after[process]
        assert total(families, "openecf_build_info", process=process) == 1
        assert total(families, "openecf_maintenance_active") == 0, process
        assert total(families, "openecf_maintenance_next_window_seconds") > 0, process
        assert total(families, "process_resident_memory_bytes") > 0, process
        if process != "edge":
            assert total(families, "grpc_server_handled_total") > total(
                flow.before[process], "grpc_server_handled_total"
            ), process
    filing = flow.after["filing"]
    assert any(f.name == "openecf_filing_oldest_undocketed_age_seconds" for f in filing)
    assert total(filing, "openecf_filing_oldest_undocketed_age_seconds") >= 0
