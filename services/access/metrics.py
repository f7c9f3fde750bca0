"""The access service's business metrics."""

from __future__ import annotations

from prometheus_client import Counter

DECISIONS = Counter(
    "openecf_access_decisions_total",
    "Access decisions (checks, served documents, free looks), by outcome"
    " (allowed, denied, failed) and reason (why not, or on what ground it was allowed).",
    ["outcome", "reason"],
)
BYTES_SERVED = Counter(
    "openecf_access_bytes_served_total",
    "Document bytes streamed to callers, by how (document: a PACER view; free_look).",
    ["via"],
)
FEES_CHARGED_CENTS = Counter(
    "openecf_access_fees_charged_cents_total", "PACER fees written to the ledger, in cents."
)
DOCUMENTS_DISCARDED = Counter(
    "openecf_access_documents_discarded_total",
    "Documents of filing attempts that never committed, removed at filing's request.",
)
DOCUMENTS_STORED = Counter(
    "openecf_access_documents_stored_total",
    "Documents stored in the vault; deduplicated=true when the content was already there.",
    ["deduplicated"],
)
INTEGRITY_FAILURES = Counter(
    "openecf_access_integrity_failures_total",
    "Reads whose content no longer matched its SHA-256 (the document was not served).",
)
FREE_LOOKS_ISSUED = Counter("openecf_access_free_looks_issued_total", "Free-look links issued.")
FREE_LOOKS_REDEEMED = Counter(
    "openecf_access_free_looks_redeemed_total", "Free-look links used (each serves once)."
)
