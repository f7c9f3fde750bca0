"""The notify service process.

The stages (docs/architecture.md, "notify"): case and account views → notices → compose →
the outgoing queue → SMTP.

Consumers (each event applied once, in one transaction with its id):
- ``notify.accounts`` on auth.events: the account view, and the account e-mails;
- ``notify.filings`` on filing.events: the filer's receipt, and a clerk's rejection;
- ``notify.notices`` on docket.events: the case view and, for every recorded entry, one NDA
  row per recipient address.
Workers: the NDA composer (free-look links from access, then the message), the senders of the
outgoing queue (NDAs and account mail alike, one SMTP connection each), and the queue gauges.
None of them is gated by maintenance: notices of entries recorded before a window go out
during it.
"""

from __future__ import annotations

from datetime import timedelta

from court.v1 import access_pb2_grpc, auth_pb2, auth_pb2_grpc, notify_pb2, notify_pb2_grpc

from services.common.commit_signal import CommitSignal
from services.common.consumer_start import Act
from services.common.grpc_client import open_channel
from services.common.identity import service_signer
from services.common.runtime import build_runtime
from services.notify import case_view, metrics
from services.notify.account_view import on_account_registered, on_account_updated
from services.notify.compose.account_mail import AccountMail
from services.notify.compose.filing_mail import FilingMail
from services.notify.compose.nda import NoticeComposer
from services.notify.outgoing import OutgoingSender, Wakeup
from services.notify.paper_service import PaperServiceDesk
from services.notify.servicer import NotifyServicer
from services.notify.smtp import SmtpRelay


def main() -> None:
    runtime = build_runtime("notify")
    settings = runtime.settings
    mail = AccountMail(public_base_url=settings.public_base_url, tz=settings.tz)
    filing_mail = FilingMail(tz=settings.tz)
    # State handlers read the topics' whole history; Act(...) handlers send mail, and so
    # never act on events from before notify first ran (consumer_start).
    runtime.add_consumer(
        group="notify.accounts",
        topics=["auth.events"],
        handlers={
            "auth.account_registered": on_account_registered,
            "auth.account_updated": on_account_updated,
            "auth.account_locked": Act(mail.on_account_locked),
            "auth.credential_reissue_requested": Act(mail.on_credential_reissue),
            "auth.efiler_approved": Act(mail.on_efiler_approved),
            "auth.security_changed": Act(mail.on_security_changed),
            "auth.email_confirmation_requested": Act(mail.on_email_confirmation),
        },
    )
    runtime.add_consumer(
        group="notify.notices",
        topics=["docket.events"],
        handlers={
            "docket.case_opened": case_view.on_case_opened,
            "docket.appearance_entered": case_view.on_appearance_entered,
            "docket.entry_recorded": Act(case_view.on_entry_recorded),
            "docket.entry_sealed": case_view.on_entry_sealed,
        },
    )
    runtime.add_consumer(
        group="notify.filings",
        topics=["filing.events"],
        handlers={
            "filing.submitted": Act(filing_mail.on_filing_submitted),
            "filing.rejected": Act(filing_mail.on_filing_rejected),
        },
    )

    relay = SmtpRelay.from_settings(settings)
    retry_base = timedelta(seconds=settings.mail_retry_seconds)
    wakeup = Wakeup()
    access = access_pb2_grpc.AccessServiceStub(
        open_channel(
            settings.access_addr,
            signer=service_signer(settings, "notify"),
        )
    )
    composer = NoticeComposer(
        pool=runtime.pool,
        access=access,
        settings=settings,
        wake_senders=wakeup.wake,
        # Woken when the consumers commit notices, at most every 0.2 s (a burst composes in
        # batches); the look every second is for retries falling due.
        signal=CommitSignal(
            settings.require_database_url(),
            schema="notify",
            table="notices",
            application_name="openecf-notify-composer",
            pace_seconds=0.2,
        ),
        idle_seconds=1.0,
    )
    runtime.workers["nda-composer"] = composer.run
    auth = auth_pb2_grpc.AuthServiceStub(
        open_channel(settings.auth_addr, signer=service_signer(settings, "notify"))
    )

    def mail_token(token_id: str) -> str:
        request = auth_pb2.IssueMailTokenRequest(token_id=token_id)
        return str(auth.IssueMailToken(request, timeout=10).token)

    sender = OutgoingSender(
        pool=runtime.pool,
        relay=relay,
        retry_base=retry_base,
        max_attempts=settings.mail_max_attempts,
        tokens=mail_token,
        wakeup=wakeup,
        # Woken by the composer (a commit that added notices, an NDA composed); the look every
        # 2 s (sooner when retries come sooner) is for retries and waits falling due.
        idle_seconds=min(2.0, settings.mail_retry_seconds),
    )
    for number in range(settings.notice_sender_threads):
        runtime.workers[f"sender-{number}"] = sender.run
    runtime.workers["notify-gauges"] = metrics.gauge_worker(runtime.pool)
    runtime.serve(
        (
            notify_pb2_grpc.add_NotifyServiceServicer_to_server,
            NotifyServicer(
                runtime.pool,
                PaperServiceDesk(
                    runtime.pool,
                    court_name=settings.court_name,
                    public_base_url=settings.public_base_url,
                    tz=settings.tz,
                ),
            ),
            notify_pb2.DESCRIPTOR.services_by_name["NotifyService"],
        )
    )
