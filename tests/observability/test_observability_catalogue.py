"""docs/metrics.md lists exactly the metric families the code defines, with their types and
labels (every module under services/ imported, then the registry read). The stack test checks
the same against each running process's /metrics."""

from __future__ import annotations

import importlib
import pkgutil

from observability_kit import PROCESSES, documented_families
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

import services


def _code_families() -> dict[str, tuple[str, frozenset[str] | None]]:
    """Queried name → (type, label names) of everything registered by the project's code
    (an Info's labels are its value, known only once set: None)."""
    for module in pkgutil.walk_packages(services.__path__, "services."):
        importlib.import_module(module.name)
    found: dict[str, tuple[str, frozenset[str] | None]] = {}
    for collector in list(REGISTRY._collector_to_names):  # no public listing
        if isinstance(collector, MetricWrapperBase):
            kind, name = str(collector._type), collector._name
            labels: frozenset[str] | None = frozenset(collector._labelnames)
            if kind == "counter":
                name += "_total"
            elif kind == "info":
                kind, name, labels = "gauge", name + "_info", None
            found[name] = (kind, labels)
            continue
        for family in collector.collect():  # the client's process, GC and platform collectors
            name = family.name + ("_total" if family.type == "counter" else "")
            labels = frozenset(k for s in family.samples for k in s.labels)
            found[name] = (family.type, labels)
    return found


def test_the_doc_lists_every_family_the_code_defines() -> None:
    documented = documented_families()
    code = _code_families()
    assert sorted(set(code) - set(documented)) == [], "defined in code, missing in docs/metrics.md"
    assert sorted(set(documented) - set(code)) == [], "in docs/metrics.md, defined nowhere"
    for name, (kind, labels) in code.items():
        assert documented[name].type == kind, name
        assert labels is None or documented[name].labels == labels, name
        assert documented[name].processes, name
        assert documented[name].processes <= set(PROCESSES), name
