"""The runbook's restore drill (deploy/helm/openecf/README.md, section 10), run here with
Debian's PostgreSQL in place of CloudNativePG: the court runs on a database that archives its
WAL, with a base backup taken first; petitions are filed before and after a chosen moment;
the database is lost; a copy is recovered to that moment, and a second stack (its own Kafka,
its own mail sink, the same secrets) on the copy answers with exactly what was docketed
before the moment: accounts, second factors, dockets and documents byte for byte."""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr
from support.api import PASSWORD, Api, docketed_status, efiler, file, petition
from support.pdf_corpus import text_pdf
from support.pitr import (
    Server,
    archive_current_wal,
    archiving_postgres,
    base_backup,
    recovered,
    serve_recovered,
)
from support.stack import start_stack

from services.auth.totp_keys import LOCAL_KEY_FILE
from services.stack.supervisor import LocalStack

log = logging.getLogger("restore-drill")
# What the operator restores beside the database: the chart's Secrets. Locally, the demo
# staff's passwords and the key that seals second factors live in the data folder.
SECRETS = ("demo-accounts.json", LOCAL_KEY_FILE)


def _clerk(stack: LocalStack) -> Api:
    entry = next(a for a in stack.demo_accounts if a["role"] == "clerk")
    api = Api(stack.edge_urls[0])
    assert api.login(entry["username"], entry["password"]).status_code == 201
    return api


def _docketed_petition(attorney: Api, label: str) -> tuple[str, bytes]:
    lead = text_pdf([[f"Petition for review, {label}", f"drill marker {label}"]])
    receipt = file(attorney, petition(f"{label} v. Federal Agency"), lead)
    assert receipt.status_code == 201, receipt.text
    status = docketed_status(attorney, receipt.json()["filing_id"])
    return str(status["case_number"]), lead


def _entries_until(server: Server, moment: datetime) -> int:
    (count,) = server.query("select count(*) from docket.entries where entered_at <= %s", moment)[0]
    return int(count)  # type: ignore[call-overload]


def test_a_copy_restored_to_a_moment_holds_exactly_what_was_docketed_before_it(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "wal-archive"
    backup = tmp_path / "base-backup"
    with archiving_postgres(tmp_path / "origin", archive) as origin:
        base_backup(origin, backup)  # the nightly backup, taken before the day's filings
        court = start_stack(tmp_path / "court", overrides={"database_url": SecretStr(origin.url)})
        try:
            attorney = efiler(court.edge_urls[0], _clerk(court))
            before = [_docketed_petition(attorney, f"Before {i}") for i in range(3)]
            (moment,) = origin.query("select clock_timestamp()")[0]
            assert isinstance(moment, datetime)
            entries_at_moment = _entries_until(origin, moment)
            time.sleep(0.5)  # the moment is strictly between the two groups' commits
            after = [_docketed_petition(attorney, f"After {i}") for i in range(2)]
            archive_current_wal(origin)
        finally:
            court.down()
        for name in SECRETS:
            (tmp_path / "drill").mkdir(exist_ok=True)
            shutil.copy2(tmp_path / "court" / name, tmp_path / "drill" / name)
    # The court's database is gone. From here on, only the backup and the archive remain.

    started = time.monotonic()
    data = recovered(backup, archive, moment, tmp_path / "restored")
    with serve_recovered(data, origin.password, tmp_path / "restored" / "server.log") as copy:
        # Step 3 of the drill: the count the note made is the count on the copy.
        assert _entries_until(copy, moment) == entries_at_moment
        (total,) = copy.query("select count(*) from docket.entries")[0]
        assert total == entries_at_moment, "an entry committed after the moment was restored"

        drill = start_stack(tmp_path / "drill", overrides={"database_url": SecretStr(copy.url)})
        try:
            # The attorney's account and second factor came back with the database.
            again = Api(drill.edge_urls[0], totp_secret=attorney.totp_secret)
            login = again.login(attorney.account["username"], PASSWORD, again.next_otp())
            assert login.status_code == 201, login.text
            clerk = _clerk(drill)
            for number, lead in before:
                sheet = clerk.get(f"/api/v1/cases/{number}/docket")
                assert sheet.status_code == 200, sheet.text
                (document,) = sheet.json()["entries"][0]["documents"]
                pdf = again.get(f"/api/v1/documents/{document['document_id']}")
                assert pdf.status_code == 200, pdf.text
                assert hashlib.sha256(pdf.content).digest() == hashlib.sha256(lead).digest()
            for number, _ in after:
                gone = clerk.get(f"/api/v1/cases/{number}")
                assert (gone.status_code, gone.json()["code"]) == (404, "not_found")
            # The copy is a working court: a new petition is docketed on it.
            _docketed_petition(again, "On the copy")
        finally:
            drill.down()
    log.info("restore drill: recovered and answering in %.0f s", time.monotonic() - started)
