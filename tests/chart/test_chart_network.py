"""NetworkPolicies: deny by default; each service admits only its callers (the code's call
graph), Prometheus on its metrics port, and reaches only DNS, PostgreSQL, Kafka, SMTP (notify)
and the services it calls."""

from __future__ import annotations

from typing import Any

import pytest
from chart.helm_render import (
    GRPC_PORTS,
    PROCESSES,
    Render,
    component_name,
    find,
    one,
)

# Who calls whom over gRPC: the edge calls every service; every process but auth resolves
# sessions through auth; filing, docket and notify call access; auth checks the health of
# filing, access and docket (services/auth/availability.py: technical-failure proposals).
CALLERS = {
    "auth": {"edge", "filing", "docket", "notify", "access"},
    "filing": {"edge", "auth"},
    "docket": {"edge", "auth"},
    "notify": {"edge"},
    "access": {"edge", "filing", "docket", "notify", "auth"},
    "edge": set(),
}
PORTS = {**GRPC_PORTS, "edge": 8000}


def _components(peers: list[dict[str, Any]]) -> set[str]:
    return {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in peers
        if "podSelector" in p and "namespaceSelector" not in p
    }


def _ingress_by_port(policy: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    rules: dict[int, list[dict[str, Any]]] = {}
    for rule in policy["spec"]["ingress"]:
        for port in rule["ports"]:
            rules.setdefault(port["port"], []).append(rule)
    return rules


def _egress_ports(policy: dict[str, Any]) -> set[int]:
    return {p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", [])}


@pytest.mark.parametrize("process", PROCESSES)
def test_each_process_admits_only_its_callers(
    default_objects: list[dict[str, Any]], process: str
) -> None:
    policy = one(default_objects, "NetworkPolicy", component_name(process))
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == process
    by_port = _ingress_by_port(policy)
    metrics = 9101 + PROCESSES.index(process)
    assert set(by_port) == {PORTS[process], metrics}
    in_release = [r for r in by_port[PORTS[process]] if "from" in r and _components(r["from"])]
    (callers_rule,) = in_release
    assert _components(callers_rule["from"]) == CALLERS[process] | {"test"}
    # Prometheus on the metrics port only, from the configured namespace and pods.
    (prometheus,) = by_port[metrics]
    assert prometheus["from"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
        }
    ]


@pytest.mark.parametrize("process", PROCESSES)
def test_each_process_reaches_only_what_it_uses(
    default_objects: list[dict[str, Any]], process: str
) -> None:
    policy = one(default_objects, "NetworkPolicy", component_name(process))
    callees = {name for name, callers in CALLERS.items() if process in callers}
    # DNS, and Kafka: every process follows platform.maintenance, services publish events.
    expected = {53, 9092} | {GRPC_PORTS[c] for c in callees}
    if process != "edge":
        expected.add(5432)  # PostgreSQL; the edge has no database
    if process == "notify":
        expected.add(587)  # the SMTP relay
    assert _egress_ports(policy) == expected
    for rule in policy["spec"]["egress"]:
        ports = {p["port"] for p in rule["ports"]}
        if ports & set(GRPC_PORTS.values()):
            # Services are reached by pod selector, never "anywhere on that port".
            assert _components(rule["to"]) <= callees
        if ports == {53}:
            assert {p["protocol"] for p in rule["ports"]} == {"UDP", "TCP"}


def test_the_edge_admits_the_ingress_controller(
    default_objects: list[dict[str, Any]], all_objects: list[dict[str, Any]]
) -> None:
    default_rules = _ingress_by_port(one(default_objects, "NetworkPolicy", component_name("edge")))
    # By default anyone may reach the public entry point...
    assert any("from" not in r for r in default_rules[8000])
    # ...and only the ingress controller's namespace when it is named.
    restricted = _ingress_by_port(one(all_objects, "NetworkPolicy", component_name("edge")))
    assert all("from" in r for r in restricted[8000])
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    } in [peer for r in restricted[8000] for peer in r["from"]]


def test_egress_destinations_and_ports_follow_the_values(all_objects: list[dict[str, Any]]) -> None:
    policy = one(all_objects, "NetworkPolicy", component_name("notify"))
    rules = {frozenset(p["port"] for p in r["ports"]): r for r in policy["spec"]["egress"]}
    assert rules[frozenset({5432})]["to"] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]
    # Kafka: the bootstrap's port and the extra broker port.
    assert rules[frozenset({9092, 9093})]["to"] == [{"ipBlock": {"cidr": "10.30.0.0/16"}}]
    assert rules[frozenset({587})]["to"] == [{"ipBlock": {"cidr": "192.0.2.25/32"}}]
    assert rules[frozenset({53})]["to"][0]["podSelector"] == {
        "matchLabels": {"k8s-app": "kube-dns"}
    }
    assert rules[frozenset({443})]["to"] == [{"ipBlock": {"cidr": "10.40.0.0/16"}}]


def test_kafka_ports_come_from_the_bootstrap_servers(render: Render) -> None:
    objects = render({"kafka": {"bootstrap": "k0.court.example:9094, k1.court.example:19094"}})
    policy = one(objects, "NetworkPolicy", component_name("docket"))
    assert {9094, 19094} <= _egress_ports(policy)
    assert 9092 not in _egress_ports(policy)


def test_jobs_have_their_own_narrow_policies(default_objects: list[dict[str, Any]]) -> None:
    maintenance = one(default_objects, "NetworkPolicy", component_name("maintenance"))
    assert maintenance["spec"]["ingress"] == []
    assert _egress_ports(maintenance) == {53, 5432}  # it writes auth's state in PostgreSQL
    test = one(default_objects, "NetworkPolicy", component_name("test"))
    assert test["spec"]["ingress"] == []
    assert _egress_ports(test) == {53, *PORTS.values()}
    migrate = one(default_objects, "NetworkPolicy", component_name("migrate"))
    assert _egress_ports(migrate) == {53, 5432, 9092}  # the schemas, and the topics
    # Every pod the chart runs is selected by a policy.
    selected = {
        p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in find(default_objects, "NetworkPolicy")
    }
    assert selected == {*PROCESSES, "maintenance", "test", "migrate"}


def test_network_policies_can_be_turned_off(render: Render) -> None:
    assert find(render({"networkPolicy": {"enabled": False}}), "NetworkPolicy") == []
