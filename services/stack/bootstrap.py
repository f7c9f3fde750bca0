"""The demo clerk and admin of the local stack: created once, printed at every start."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from services.auth import accounts, direct
from services.common.errors import CourtError

DEMO = (
    ("clerk", "demo-clerk", "Demo Clerk"),
    ("admin", "demo-admin", "Demo Administrator"),
)


def ensure_demo_accounts(database_url: str, data_dir: Path) -> list[dict[str, str]]:
    path = data_dir / "demo-accounts.json"
    known: list[dict[str, str]] = json.loads(path.read_text()) if path.exists() else []
    by_user = {entry["username"]: entry for entry in known}
    for role, username, name in DEMO:
        entry = by_user.get(username) or {
            "role": role,
            "username": username,
            "password": f"{secrets.token_urlsafe(12)}-Court",
        }
        new_account = accounts.validate_new_account(
            username=username,
            password=entry["password"],
            name=name,
            email=f"{username}@court.example",
            role=role,
        )
        with (
            direct.connect(database_url) as conn,
            conn.transaction(),
        ):
            try:
                accounts.register(conn, new_account, self_service=False)
            except CourtError as exc:
                if exc.code != "duplicate":
                    raise
        by_user[username] = entry
    entries = list(by_user.values())
    path.write_text(json.dumps(entries, indent=2))
    path.chmod(0o600)
    return entries
