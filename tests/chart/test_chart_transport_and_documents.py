"""Chart values for Kafka's transport security and the document object store (issue 21 B):
the settings reach every process through the ConfigMap (the migrate hook through its own
env), and the two secrets only the processes that need them, from existing Secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chart.helm_render import PROCESSES, RELEASE, HelmError, Render, component_name, one, template

FULLNAME = f"{RELEASE}-openecf"

SECURE = {
    "kafka": {
        "security": {
            "protocol": "SASL_SSL",
            "caFile": "/etc/openecf/kafka-ca/ca.crt",
            "username": "openecf",
            "existingSecret": {"name": "openecf-kafka-user", "key": "password"},
        }
    },
    "documents": {
        "store": "s3",
        "s3": {
            "bucket": "court-documents",
            "endpointUrl": "https://s3.court.example",
            "sse": "aws:kms",
            "accessKeyId": "AKIAEXAMPLE",
            "existingSecret": {"name": "openecf-s3", "key": "secretAccessKey"},
        },
    },
}


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def _container(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return one(objects, kind, name)["spec"]["template"]["spec"]["containers"][0]


def test_the_defaults_are_plaintext_kafka_and_documents_in_postgres(render: Render) -> None:
    objects = render()
    config = one(objects, "ConfigMap", FULLNAME)["data"]
    assert config["OPENECF_KAFKA_SECURITY_PROTOCOL"] == "PLAINTEXT"
    assert config["OPENECF_DOCUMENT_STORE"] == "postgres"
    for process in PROCESSES:
        env = _env(_container(objects, "Deployment", component_name(process)))
        assert "OPENECF_KAFKA_PASSWORD" not in env
        assert "OPENECF_S3_SECRET_ACCESS_KEY" not in env


def test_scram_over_tls_and_s3_reach_the_processes_that_need_them(render: Render) -> None:
    objects = render(SECURE)
    config = one(objects, "ConfigMap", FULLNAME)["data"]
    assert config["OPENECF_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["OPENECF_KAFKA_SSL_CAFILE"] == "/etc/openecf/kafka-ca/ca.crt"
    assert config["OPENECF_KAFKA_USERNAME"] == "openecf"
    assert config["OPENECF_DOCUMENT_STORE"] == "s3"
    assert config["OPENECF_S3_BUCKET"] == "court-documents"
    assert config["OPENECF_S3_SSE"] == "aws:kms"
    assert not any("password" in key.lower() or "SECRET" in key for key in config)
    password = {"secretKeyRef": {"name": "openecf-kafka-user", "key": "password"}}
    s3_key = {"secretKeyRef": {"name": "openecf-s3", "key": "secretAccessKey"}}
    for process in PROCESSES:
        env = _env(_container(objects, "Deployment", component_name(process)))
        assert env["OPENECF_KAFKA_PASSWORD"] == password, process
        assert env.get("OPENECF_S3_SECRET_ACCESS_KEY") == (s3_key if process == "access" else None)
    job = _env(_container(objects, "Job", component_name("migrate")))
    assert job["OPENECF_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert job["OPENECF_KAFKA_PASSWORD"] == password


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"kafka": {"security": {"protocol": "TLS"}}}, "protocol"),
        ({"kafka": {"security": {"saslMechanism": "PLAIN"}}}, "saslMechanism"),
        ({"documents": {"store": "minio"}}, "store"),
        ({"documents": {"s3": {"sse": "rot13"}}}, "sse"),
        ({"documents": {"store": "s3"}}, "bucket"),
    ],
    ids=["kafka-protocol", "sasl-mechanism", "document-store", "sse", "s3-without-bucket"],
)
def test_the_schema_refuses_bad_values(
    chart_tmp: Path, values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(HelmError) as refused:
        template(chart_tmp, values)
    assert complaint in str(refused.value)
