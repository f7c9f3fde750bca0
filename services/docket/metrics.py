"""The docket service's business metrics (consumer lag comes from the consumer itself:
``openecf_kafka_consumer_lag{consumer="docket.filings"}``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

CASES_OPENED = Counter(
    "openecf_docket_cases_opened_total", "Cases opened from petitions, by case type.", ["case_type"]
)
ENTRIES_RECORDED = Counter(
    "openecf_docket_entries_recorded_total",
    "Docket entries recorded, by filing type ('court' for the court's own entries).",
    ["filing_type"],
)
APPEARANCES = Counter(
    "openecf_docket_appearances_total", "Attorneys made counsel of record by an appearance."
)
ENTRIES_SEALED = Counter("openecf_docket_entries_sealed_total", "Docket entries sealed.")
# From filing.submitted's received_at to the entry: the docketing delay filers feel. A
# reviewed filing (notice of appearance) includes the time it waited for a clerk.
FILING_TO_ENTRY_SECONDS = Histogram(
    "openecf_docket_filing_to_entry_seconds",
    "Time from a filing's receipt to its docket entry.",
    ["reviewed"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600),
)
ACCESS_CHECK_FAILURES = Counter(
    "openecf_docket_access_check_failures_total",
    "Docket sheet pages answered without access decisions (access unavailable), by gRPC code.",
    ["code"],
)
