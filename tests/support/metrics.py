"""A running process's Prometheus samples, read with prometheus_client's own parser (as a
scraper reads them: escaped label values, histograms' `_count`, counters' `_total`)."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from support.api import TLS


def metrics_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/metrics"


def scrape(url: str) -> list[Sample]:
    text = httpx.get(url, timeout=5, verify=TLS).text
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def metric_sum(url: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels`` (0 when none)."""
    return sum(
        sample.value
        for sample in scrape(url)
        if sample.name == name and labels.items() <= sample.labels.items()
    )
