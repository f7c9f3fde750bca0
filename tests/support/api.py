"""A small client for the edge REST API, as a person's browser or script would use it."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pyotp

from services.stack.smtp_sink import read_messages

T = TypeVar("T")
PASSWORD = "a long and unusual passphrase 42"
# One TLS context for every request: httpx otherwise builds one (loading the CA bundle) for
# each call, a fifth of a test process's CPU, though the local stack is plain HTTP.
TLS = httpx.create_ssl_context()


def wait_for(predicate: Callable[[], T], timeout: float = 20.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.1)


@dataclass
class Api:
    base_url: str
    token: str | None = None
    account: dict[str, Any] = field(default_factory=dict)
    totp_secret: str | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token and "authorization" not in {k.lower() for k in headers}:
            headers["Authorization"] = f"Bearer {self.token}"
        response = httpx.request(
            method, self.base_url + path, headers=headers, timeout=30, verify=TLS, **kwargs
        )
        # The one rule every test keeps: the court never answers a 500.
        assert response.status_code < 500 or response.status_code == 503, (
            method,
            path,
            response.status_code,
            response.text,
        )
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def login(self, username: str, password: str, otp: str = "") -> httpx.Response:
        response = self.post(
            "/api/v1/sessions",
            json={
                "username": username,
                "password": password,
                "otp": otp,
                "continue_existing": True,
            },
        )
        if response.status_code == 201:
            self.token = response.json()["token"]
            self.account = response.json()["account"]
        return response

    def next_otp(self) -> str:
        """A code for the next 30-second step: the current one may already have been used."""
        assert self.totp_secret
        return pyotp.TOTP(self.totp_secret).at(time.time() + 30)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def register(
    base_url: str,
    role: str = "public",
    *,
    username: str | None = None,
    confirm: bool = True,
    **extra: str,
) -> tuple[Api, dict[str, Any]]:
    """Register, confirm the address through the mailed link (unless ``confirm`` is False)
    and log in a new account; returns the logged-in client and the body sent."""
    username = username or unique(role.replace("_", ""))
    body: dict[str, Any] = {
        "username": username,
        "password": PASSWORD,
        "name": extra.pop("name", f"{role.title()} {username}"),
        "email": extra.pop("email", f"{username}@example.org"),
        "role": role,
        **extra,
    }
    if role == "attorney":
        body.setdefault("bar_number", str(uuid.uuid4().int)[:6])
        body.setdefault("bar_state", "CA")
        body.setdefault("firm", "Lovelace & Babbage LLP")
    api = Api(base_url)
    maildir = maildir_of(base_url)
    earlier = _confirmation_mail_ids(maildir, body["email"])
    created = api.post("/api/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    if confirm:
        confirm_registration(base_url, body["email"], earlier=earlier)
    logged_in = api.login(username, PASSWORD)
    assert logged_in.status_code == 201, logged_in.text
    return api, body


# Each running stack's SMTP sink (its Maildir) by the port of its edge: registration mails a
# confirmation link there, and register() follows it. Every fixture that starts a stack calls
# remember_maildir.
_MAILDIRS: dict[int, Path] = {}
CONFIRMATION_SUBJECT = "Confirm your e-mail address"


def confirm_registration(
    base_url: str, address: str, *, earlier: set[str] | frozenset[str] = frozenset()
) -> None:
    """As a new owner would: open the link mailed to the address (it gets nothing else until
    then). ``earlier``: confirmation mails to the address from before this registration."""
    maildir = maildir_of(base_url)
    mail = wait_for(
        lambda: _new_confirmation_mail(maildir, address, set(earlier)),
        timeout=60,  # the mail goes outbox → Kafka → notify → SMTP: slow on a busy machine
        what=f"the confirmation mail to {address}",
    )
    used = Api(base_url).post(
        "/api/v1/email-confirmations", json={"token": mailed_token(mail, "confirm-email")}
    )
    assert used.status_code == 204, used.text


def remember_maildir(edge_port: int, maildir: Path) -> None:
    _MAILDIRS[edge_port] = maildir


def maildir_of(base_url: str) -> Path:
    port = urlsplit(base_url).port
    assert port in _MAILDIRS, f"no stack's Maildir is known for {base_url}: remember_maildir()"
    return _MAILDIRS[port]


def _confirmation_mails(maildir: Path, address: str) -> list[EmailMessage]:
    return [
        message
        for message in read_messages(maildir)
        if CONFIRMATION_SUBJECT in str(message["Subject"])  # the rarer of the two: first
        and address.lower() in str(message["To"]).lower()
    ]


def _confirmation_mail_ids(maildir: Path, address: str) -> set[str]:
    return {str(message["Message-ID"]) for message in _confirmation_mails(maildir, address)}


def _new_confirmation_mail(maildir: Path, address: str, earlier: set[str]) -> EmailMessage | None:
    """The confirmation mail to ``address`` that was not there before (another account may
    have registered the same address earlier)."""
    fresh = [
        m for m in _confirmation_mails(maildir, address) if str(m["Message-ID"]) not in earlier
    ]
    return fresh[-1] if fresh else None


def enrol_mfa(api: Api, password: str = PASSWORD) -> None:
    # Step-up: the current password, and a code from the factor being replaced, if any.
    step_up = {"current_password": password, "otp": api.next_otp() if api.totp_secret else ""}
    enrolled = api.post("/api/v1/accounts/me/mfa", json=step_up)
    assert enrolled.status_code == 201, enrolled.text
    api.totp_secret = enrolled.json()["secret"]
    confirmed = api.post(
        "/api/v1/accounts/me/mfa/confirm", json={"otp": pyotp.TOTP(api.totp_secret).now()}
    )
    assert confirmed.status_code == 204, confirmed.text


def mail_to(maildir: Path, address: str, subject_part: str, timeout: float = 20.0) -> EmailMessage:
    def find() -> EmailMessage | None:
        for message in read_messages(maildir):
            if address.lower() in str(message["To"]).lower() and subject_part in str(
                message["Subject"]
            ):
                return message
        return None

    return wait_for(find, timeout, what=f"mail to {address} about {subject_part!r}")


def mailed_token(message: EmailMessage, page: str) -> str:
    """The token of the ``page`` link (reset-password, confirm-email) in a mail."""
    found = re.search(rf"/{page}\?token=([A-Za-z0-9_\-]+)", message_text(message))
    assert found, f"no /{page} link in the mail"
    return found.group(1)


def message_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return str((body or message).get_content())


def confirm_address(base_url: str, maildir: Path, address: str) -> None:
    """Use the confirmation link mailed to a new address, as its owner would."""
    mail = mail_to(maildir, address, "Confirm your e-mail address")
    token = mailed_token(mail, "confirm-email")
    confirmed = Api(base_url).post("/api/v1/email-confirmations", json={"token": token})
    assert confirmed.status_code == 204, confirmed.text


def efiler(base_url: str, clerk: Api, role: str = "attorney", **extra: str) -> Api:
    """A registered e-filer: applied, approved by the clerk, second factor enrolled."""
    api, _ = register(base_url, role, **extra)
    assert api.post("/api/v1/accounts/me/efiler-application").status_code == 201
    approved = clerk.post(f"/api/v1/clerk/efilers/{api.account['account_id']}/approve")
    assert approved.status_code == 200, approved.text
    enrol_mfa(api)
    return api


def file(
    api: Api,
    metadata: dict[str, Any],
    lead: bytes,
    attachments: tuple[bytes, ...] = (),
    *,
    key: str | None = None,
    check: bool = False,
) -> httpx.Response:
    """POST a filing (or a check) as multipart: metadata, lead, attachments."""
    import json as _json

    files: list[tuple[str, tuple[str, bytes, str]]] = [
        ("metadata", ("metadata.json", _json.dumps(metadata).encode(), "application/json")),
        ("lead", ("lead.pdf", lead, "application/pdf")),
        *[
            ("attachments", (f"exhibit-{i + 1}.pdf", a, "application/pdf"))
            for i, a in enumerate(attachments)
        ],
    ]
    headers = {"Idempotency-Key": key} if key else {}
    path = "/api/v1/filings/check" if check else "/api/v1/filings"
    return api.post(path, files=files, headers=headers)


def received(api: Api, metadata: dict[str, Any], pdf: bytes) -> dict[str, Any]:
    """File it; the receipt (201) as JSON."""
    filed = file(api, metadata, pdf)
    assert filed.status_code == 201, filed.text
    receipt: dict[str, Any] = filed.json()
    return receipt


def docketed_status(api: Api, filing_id: str, timeout: float = 60) -> dict[str, Any]:
    """Wait until the court dockets the filing: its status then, with case and entry numbers."""
    path = f"/api/v1/filings/{filing_id}"

    def status() -> dict[str, Any] | None:
        current: dict[str, Any] = api.get(path).json()
        return current if current["status"] == "docketed" else None

    return wait_for(status, timeout=timeout, what=f"filing {filing_id} docketed")


def docketed(api: Api, metadata: dict[str, Any], pdf: bytes) -> str:
    """File it and wait until the court dockets it: its case number."""
    return str(docketed_status(api, received(api, metadata, pdf)["filing_id"])["case_number"])


def petition(title: str | None = None, case_type: str = "agency") -> dict[str, Any]:
    return {
        "type": "petition_for_review",
        "title": title or f"{unique('Petitioner ')} v. Federal Agency",
        "case_type": case_type,
        "parties": [
            {"name": "A. Petitioner", "role": "petitioner"},
            {"name": "Federal Agency", "role": "respondent"},
        ],
        "description": "Petition for review of an agency order",
    }


def notice_of_appearance(case_number: str, party: str, role: str, **extra: Any) -> dict[str, Any]:
    """A notice of appearance in ``case_number`` for one party."""
    return {
        "type": "notice_of_appearance",
        "case_number": case_number,
        "parties": [{"name": party, "role": role}],
        **extra,
    }
