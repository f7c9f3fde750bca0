"""What the browser tests share beyond the browsers: the repository, Chromium's path and flags,
the test password, TOTP codes, the operator's command, court time in words, free-look links."""

from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pyotp
from support.cli import openecf as run_cli

from services.stack.smtp_sink import read_messages
from services.stack.supervisor import LocalStack

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("OPENECF_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a long and unusual passphrase 42"
FREE_LOOK = re.compile(r"/api/v1/free-looks/([A-Za-z0-9_\-]+)")


def openecf(stack: LocalStack, *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's command against the test stack."""
    done = run_cli(stack, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def next_code(secret: str) -> str:
    """A TOTP code for the next 30-second step: the current one may have been used already."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def court_words(local_iso: str) -> str:
    """How the portal writes a court-local time: "Saturday, March 7, 2026 at 5:00 AM"."""
    moment = datetime.fromisoformat(local_iso)
    return moment.strftime("%A, %B %-d, %Y at %-I:%M %p")


def free_look_token(stack: LocalStack, address: str, case_number: str) -> str | None:
    """The free-look token in the notice mailed to that address for the case, once it is sent."""
    for message in read_messages(stack.maildir):
        if address in str(message["To"]) and message["X-OpenECF-Case"] == case_number:
            body = message.get_body(preferencelist=("plain",))
            found = FREE_LOOK.search(str(body.get_content())) if body else None
            if found:
                return found.group(1)
    return None
