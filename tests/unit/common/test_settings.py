from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.common.kafka import KafkaSecurity
from services.common.settings import Settings


def test_defaults_are_the_documented_local_ports() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert [settings.grpc_port(s) for s in ("auth", "filing", "docket", "notify", "access")] == [
        15051,
        15052,
        15053,
        15054,
        15055,
    ]
    assert [settings.metrics_port(p) for p in ("auth", "edge")] == [9101, 9106]
    assert settings.edge_port == 8000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OPENECF_AUTH_PORT": "70000"}, "less than or equal to 65535"),
        ({"OPENECF_AUTH_PORT": "http"}, "valid integer"),
        ({"OPENECF_COURT_TIMEZONE": "Pacific/Atlantis"}, "unknown time zone"),
        ({"OPENECF_KAFKA_BOOTSTRAP": "kafka"}, "is not host:port"),
        ({"OPENECF_FILING_PORT": "15051"}, "must all differ"),
        ({"OPENECF_MAINTENANCE_DAY": "7"}, "less than or equal to 6"),
        ({"OPENECF_LOG_LEVEL": "chatty"}, "log level"),
        ({"OPENECF_SMTP_STARTTLS": "perhaps"}, "valid boolean"),
        ({"OPENECF_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"}, "PLAINTEXT, SSL or SASL_SSL"),
        ({"OPENECF_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "needs OPENECF_KAFKA_USERNAME"),
        ({"OPENECF_KAFKA_SASL_MECHANISM": "PLAIN"}, "SCRAM-SHA-512 or SCRAM-SHA-256"),
        ({"OPENECF_KAFKA_SSL_CAFILE": "/no/such/ca.pem"}, "no CA file"),
        ({"OPENECF_S3_CA_FILE": "/no/such/s3-ca.pem"}, "no CA file at /no/such/s3-ca.pem"),
        ({"OPENECF_S3_ENDPOINT_URL": "not a url"}, "'not a url' is not an http(s) URL"),
        ({"OPENECF_S3_ENDPOINT_URL": "s3.court.example"}, "is not an http(s) URL"),
        ({"OPENECF_S3_ENDPOINT_URL": "ftp://s3.court.example"}, "is not an http(s) URL"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert message in str(raised.value)


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENECF_DATABASE_URL", "postgresql://court:hunter2secret@db/court")
    monkeypatch.setenv("OPENECF_SMTP_PASSWORD", "smtp-hunter2")
    monkeypatch.setenv("OPENECF_KAFKA_SECURITY_PROTOCOL", "sasl_ssl")
    monkeypatch.setenv("OPENECF_KAFKA_USERNAME", "openecf")
    monkeypatch.setenv("OPENECF_KAFKA_PASSWORD", "kafka-hunter2")
    settings = Settings()
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    assert "hunter2" not in shown
    security = KafkaSecurity.from_settings(settings)
    assert "hunter2" not in repr(security)
    assert security.client_options()["sasl_plain_password"] == "kafka-hunter2"
    assert security.client_options()["security_protocol"] == "SASL_SSL"
    assert settings.require_database_url().endswith("@db/court")


@pytest.mark.parametrize(
    "url", ["https://s3.court.example", "http://127.0.0.1:9000", "http://[::1]:9000/", ""]
)
def test_an_s3_endpoint_is_an_http_url_or_empty(url: str) -> None:
    assert Settings(s3_endpoint_url=url).s3_endpoint_url == url
