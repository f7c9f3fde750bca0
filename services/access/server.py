"""The access service process: the vault, the policy, free looks, fees, and the case view."""

from __future__ import annotations

from court.v1 import access_pb2, access_pb2_grpc

from services.access import case_view
from services.access.backends import backends_from_settings
from services.access.documents import Documents
from services.access.free_looks import FreeLooks
from services.access.servicer import AccessServicer
from services.access.vault import Vault
from services.common.clock import system_clock
from services.common.runtime import build_runtime


def main() -> None:
    runtime = build_runtime("access")
    pool, tz, clock = runtime.pool, runtime.settings.tz, system_clock
    writer, readers = backends_from_settings(runtime.settings)
    vault = Vault(pool, writer=writer, readers=readers)
    runtime.add_consumer(
        group=case_view.GROUP, topics=[case_view.TOPIC], handlers=case_view.HANDLERS
    )
    runtime.serve(
        (
            access_pb2_grpc.add_AccessServiceServicer_to_server,
            AccessServicer(
                pool=pool,
                vault=vault,
                documents=Documents(pool, vault, clock=clock, tz=tz),
                free_looks=FreeLooks(pool, vault, clock=clock, tz=tz),
                clock=clock,
                tz=tz,
            ),
            access_pb2.DESCRIPTOR.services_by_name["AccessService"],
        )
    )
