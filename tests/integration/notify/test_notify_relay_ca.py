"""A relay whose certificate a private CA signed (the chart README's "TLS to PostgreSQL and
the SMTP relay"): notify's STARTTLS verifies the relay against SSL_CERT_FILE, so mounting the
court's bundle and pointing SSL_CERT_FILE at it is enough, and without it the relay is refused.

A real SMTP server (aiosmtpd) with a real TLS certificate made by the openssl command."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from support.ports import free_port

from services.notify.smtp import SENT, UNREACHABLE, SmtpRelay, SmtpSession


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def court_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private CA, and the relay's certificate for `localhost` signed by it."""
    where = tmp_path_factory.mktemp("court-ca")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Court Private Root CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=where,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "relay.key", "-out", "relay.csr",
        "-subj", "/CN=localhost",
        cwd=where,
    )  # fmt: skip
    (where / "relay.ext").write_text(
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
    )
    _openssl(
        "x509", "-req", "-in", "relay.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", "relay.crt", "-extfile", "relay.ext",
        cwd=where,
    )  # fmt: skip
    return where


class _Keep:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.content)
        return "250 OK"


@pytest.fixture(scope="module")
def relay(court_ca: Path) -> Iterator[tuple[int, _Keep]]:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(court_ca / "relay.crt", court_ca / "relay.key")
    handler = _Keep()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True
    )
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


def _send(port: int) -> tuple[str, str | None]:
    relay = SmtpRelay(
        host="localhost",
        port=port,
        starttls=True,
        username="",
        password="",
        sender="ecf-noreply@court.example",
        timeout_seconds=10,
    )
    message = EmailMessage()
    message["From"] = relay.sender
    message["To"] = "counsel@example.org"
    message["Subject"] = "Notice of Docket Activity"
    message.set_content("A test notice.")
    session = SmtpSession(relay)
    try:
        return session.send(message)
    finally:
        session.close()


def test_the_courts_ca_in_ssl_cert_file_lets_notify_reach_the_relay(
    court_ca: Path, relay: tuple[int, _Keep], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, handler = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(court_ca / "ca.crt"))
    before = len(handler.received)
    outcome, error = _send(port)
    assert (outcome, error) == (SENT, None)
    assert len(handler.received) == before + 1
    assert b"Notice of Docket Activity" in handler.received[-1]


def test_without_the_courts_ca_the_relay_is_refused(
    relay: tuple[int, _Keep], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, handler = relay
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    before = len(handler.received)
    outcome, error = _send(port)
    assert outcome == UNREACHABLE
    assert error is not None and "CERTIFICATE_VERIFY_FAILED" in error
    assert len(handler.received) == before
