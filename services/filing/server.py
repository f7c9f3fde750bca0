"""The filing service process."""

from __future__ import annotations

from court.v1 import filing_pb2, filing_pb2_grpc

from services.common.grpc_client import open_channel
from services.common.identity import service_signer
from services.common.runtime import build_runtime
from services.common.workers import every
from services.filing import attempts, case_view, metrics
from services.filing.intake import CLAIM_RENEW_SECONDS, Intake, IntakeLimits
from services.filing.ocr import OcrLimits
from services.filing.pdf_report import PdfLimits
from services.filing.pdf_sandbox import PdfInspector
from services.filing.review import Review
from services.filing.servicer import FilingServicer
from services.filing.vault import Vault


def main() -> None:
    runtime = build_runtime("filing")
    settings = runtime.settings
    inspector = PdfInspector(
        workers=settings.pdf_workers,
        memory_bytes=settings.pdf_memory_mb * 2**20,
        limits=PdfLimits(
            max_file_bytes=settings.filing_max_file_mb * 2**20,
            base_seconds=settings.pdf_timeout_seconds,
            seconds_per_page=settings.pdf_seconds_per_page,
        ),
    )
    access = open_channel(
        settings.grpc_addr("access"),
        signer=service_signer(settings, "filing"),
    )
    vault = Vault(access)
    intake = Intake(
        pool=runtime.pool,
        vault=vault,
        inspector=inspector,
        limits=IntakeLimits(
            max_file_bytes=settings.filing_max_file_mb * 2**20,
            max_total_bytes=settings.filing_max_total_mb * 2**20,
            max_attachments=settings.filing_max_attachments,
            review_types=frozenset(
                t.strip() for t in settings.filing_review_types.split(",") if t.strip()
            ),
            check_budget_seconds=settings.filing_check_budget_seconds,
            max_concurrent_checks=settings.filing_max_concurrent_checks,
            ocr_limits=OcrLimits(
                seconds=settings.filing_ocr_timeout_seconds,
                memory_bytes=settings.filing_ocr_memory_mb * 2**20,
            ),
        ),
        tz=settings.tz,
    )
    runtime.add_consumer(
        group="filing.cases",
        topics=["docket.events"],
        handlers={
            "docket.case_opened": case_view.on_case_opened,
            "docket.appearance_entered": case_view.on_appearance_entered,
            "docket.entry_recorded": case_view.make_on_entry_recorded(),
        },
    )
    runtime.workers["filing-gauges"] = metrics.gauge_worker(runtime.pool)
    runtime.workers["claim-renewal"] = every(
        CLAIM_RENEW_SECONDS, intake.renew_claims, name="idempotency claim renewal"
    )
    runtime.workers["orphan-sweep"] = attempts.sweep_worker(
        runtime.pool,
        vault,
        grace_seconds=settings.filing_orphan_grace_seconds,
        every_seconds=settings.filing_orphan_sweep_seconds,
    )
    runtime.serve(
        (
            filing_pb2_grpc.add_FilingServiceServicer_to_server,
            FilingServicer(
                pool=runtime.pool,
                intake=intake,
                review=Review(runtime.pool, tz=settings.tz),
                tz=settings.tz,
            ),
            filing_pb2.DESCRIPTOR.services_by_name["FilingService"],
        ),
        on_stop=[inspector.close, access.close],
    )
