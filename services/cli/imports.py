"""``openecf import acms FILE...``: bring existing ACMS dockets over (the JSON of ACMS's case
API, one case per file).

Every file is read and checked before anything is written, so a malformed file is one line
naming the file and the field, exit status 1, and nothing imported. Then each case is written
in its own transaction, through docket's own modules on a docket connection (like ``openecf
account create`` writes through auth's); counsel are matched to attorneys' accounts by e-mail
through auth's. One line per file says what happened. Importing a case again applies what
ACMS changed since (``services/docket/imports.py`` states the rule) and says so ("case 24-1234
updated: 3 entries added, fee status paid"); the identical file prints ``unchanged`` and
writes nothing. A re-import whose new entry numbers were taken by entries docketed here is
refused (``import_conflict``), that case unwritten.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from services.cli.context import cli_settings

MAX_FILE_BYTES = 50 * 1024 * 1024


class FileRefused(Exception):
    """A file that cannot be imported: one line naming it, exit status 1."""


def register(commands: Any) -> None:
    sources = commands.add_parser("import", help="import existing dockets").add_subparsers(
        dest="action", required=True
    )
    acms = sources.add_parser("acms", help="cases from ACMS's case API (JSON files)")
    acms.add_argument("files", nargs="+", metavar="FILE")
    acms.set_defaults(run=_import_acms)


def load(path: Path, *, tz: ZoneInfo) -> Any:
    """One file → a checked AcmsCase, or FileRefused naming the file."""
    from services.docket.acms import AcmsFormatError, parse_case

    try:
        # Read at most one byte past the limit: a device or a pipe has no size to check first.
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileRefused(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise FileRefused(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FileRefused(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise FileRefused(
            f"{path}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise FileRefused(f"{path}: not JSON (nested too deeply)") from exc
    try:
        return parse_case(document, tz=tz)
    except AcmsFormatError as exc:
        raise FileRefused(f"{path}: {exc}") from exc


def _attorneys(database_url: str, emails: list[str]) -> dict[str, Any]:
    """E-mail → the one attorney account with that address (none when two share it)."""
    from services.auth import direct, store
    from services.docket.imports import Attorney

    found: dict[str, Any] = {}
    with direct.connect(database_url) as conn:
        for email in emails:
            accounts = [a for a in store.accounts_by_email(conn, email) if a.role == "attorney"]
            if len(accounts) == 1:
                account = accounts[0]
                found[email] = Attorney(account.account_id, account.name, account.firm)
    return found


def _import_acms(args: argparse.Namespace) -> int:
    from services.docket import direct
    from services.docket.imports import import_case

    settings = cli_settings()
    cases = [(path, load(path, tz=settings.tz)) for path in map(Path, args.files)]
    database_url = settings.require_database_url()
    attorneys = _attorneys(database_url, sorted({e for _, c in cases for e in c.emails}))
    with direct.connect(database_url) as conn:
        for path, case in cases:
            with conn.transaction():
                outcome = import_case(conn, case, attorneys=attorneys, tz=settings.tz)
            if not outcome.imported:
                if not outcome.changes:
                    print(f"{path}: case {outcome.case_number} unchanged (imported before)")
                    continue
                line = f"{path}: case {outcome.case_number} updated: {', '.join(outcome.changes)}"
                if outcome.unmatched:
                    line += f" (no account here for: {', '.join(outcome.unmatched)})"
                print(line)
                continue
            line = (
                f"{path}: case {outcome.case_number} imported, {outcome.entries} entries, "
                f"{outcome.counsel} counsel of record"
            )
            if outcome.unmatched:
                line += f" (no account here for: {', '.join(outcome.unmatched)})"
            print(line)
    return 0
