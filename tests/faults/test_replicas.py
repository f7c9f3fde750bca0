"""Two replicas of everything: calls really spread over them (round robin), counted from each
replica's own /metrics (before and after: the counters of a replica the fault run restarted
start again at zero)."""

from __future__ import annotations

import httpx
from support.api import Api
from support.metrics import metric_sum, metrics_url

from services.stack.supervisor import LocalStack


def _profiles(stack: LocalStack, replica: str) -> float:
    url = metrics_url(stack.child_settings(replica).metrics_port("auth"))
    return metric_sum(url, "grpc_server_started_total", grpc_method="GetProfile")


def test_each_edge_spreads_its_calls_over_both_auth_replicas(
    replicated_stack: LocalStack, faults_clerk: Api
) -> None:
    replicas = replicated_stack.replica_names("auth")
    assert len(replicas) == 2
    assert len(replicated_stack.edge_urls) == 2
    before = {name: _profiles(replicated_stack, name) for name in replicas}
    calls = 60
    for index in range(calls):
        edge = replicated_stack.edge_urls[index % 2]
        response = httpx.get(
            f"{edge}/api/v1/accounts/me",
            headers={"Authorization": f"Bearer {faults_clerk.token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
    served = {name: _profiles(replicated_stack, name) - before[name] for name in replicas}
    print(f"GetProfile calls per auth replica: {served}")
    assert sum(served.values()) == calls
    # Round robin alternates per channel: each replica gets about half, never a trickle.
    assert all(count >= calls * 0.3 for count in served.values()), served
