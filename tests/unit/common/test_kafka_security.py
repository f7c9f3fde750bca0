"""The options every Kafka client gets for each security protocol."""

from __future__ import annotations

from services.common.kafka import KafkaSecurity


def test_plaintext_adds_nothing_but_the_protocol() -> None:
    assert KafkaSecurity().client_options() == {"security_protocol": "PLAINTEXT"}


def test_tls_checks_the_brokers_name_against_the_given_ca() -> None:
    options = KafkaSecurity(protocol="SSL", ca_file="/etc/openecf/kafka-ca.pem").client_options()
    assert options == {
        "security_protocol": "SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": "/etc/openecf/kafka-ca.pem",
    }


def test_scram_over_tls_logs_in() -> None:
    security = KafkaSecurity(protocol="SASL_SSL", username="openecf", password="pw")
    options = security.client_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("openecf", "pw")
    assert "ssl_cafile" not in options  # the system's CAs
    assert "pw" not in repr(security)
