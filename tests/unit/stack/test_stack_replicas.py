"""Several replicas in the local stack: names, ports and the addresses clients get."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cli.main import build_parser
from services.common.balancing import channel_target, client_options
from services.common.settings import Settings
from services.stack.supervisor import LocalStack, ReplicaPorts, offset_ports, replica_name


def test_the_first_replica_keeps_the_one_replica_name() -> None:
    assert [replica_name("auth", k) for k in range(3)] == ["auth", "auth-2", "auth-3"]


def test_stack_up_replicas_are_100_ports_apart_and_never_collide() -> None:
    settings = Settings()
    second = offset_ports(settings, 1)
    assert second.grpc["auth"] == settings.auth_port + 100
    assert second.edge == settings.edge_port + 100
    assert second.metrics_base == settings.metrics_port_base + 100
    # The replica's own settings are valid (every port distinct) with its overrides applied.
    Settings(**second.overrides())  # type: ignore[arg-type]


def test_every_client_address_lists_all_replicas_and_balances_round_robin(
    tmp_path: Path,
) -> None:
    stack = LocalStack(
        settings=Settings(data_dir=tmp_path),
        cache_dir=tmp_path,
        replicas=2,
        replica_ports=[
            ReplicaPorts(
                grpc={"auth": 1, "filing": 2, "docket": 3, "notify": 4, "access": 5},
                edge=6,
                metrics_base=7,
            )
        ],
    )
    addrs = ",".join(stack.grpc_addrs("auth"))
    assert addrs == "127.0.0.1:15051,127.0.0.1:1"
    assert channel_target(addrs) == "ipv4:127.0.0.1:15051,127.0.0.1:1"
    assert any(name == "grpc.service_config" for name, _ in client_options(addrs))
    assert stack.edge_urls == ["http://127.0.0.1:8000", "http://127.0.0.1:6"]
    assert stack.replica_names("edge") == ["edge", "edge-2"]


@pytest.mark.parametrize("value", ["0", "9", "two", "-1"])
def test_stack_up_refuses_a_replica_count_outside_1_to_8(value: str) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["stack", "up", "--replicas", value])


def test_stack_up_takes_a_replica_count() -> None:
    assert build_parser().parse_args(["stack", "up", "--replicas", "2"]).replicas == 2
