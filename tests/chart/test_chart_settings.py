"""Settings as chart values: the ones issue 18 added reach the processes that read them with the
values given, and every setting the processes read is either a chart value or listed here as
deliberately not one, with the reason — so the next setting cannot be forgotten."""

from __future__ import annotations

from typing import Any

import pytest
from chart.helm_render import ALL_FEATURES, MONITORING_API, PROCESSES, RELEASE, Render, find, one

from services.common.settings import Settings

FULLNAME = f"{RELEASE}-openecf"

# Settings the chart does not set, and why. `config.extraEnv` still sets any of them.
NOT_CHART_VALUES: dict[str, str] = {
    # The local stack's own (`make run`): in Kubernetes, PostgreSQL, Kafka and the keys are
    # given, nothing is started or kept on the pod's disk (the root filesystem is read-only).
    "data_dir": "local stack: where `make run` keeps its database, broker and logs",
    "kafka_port": "local stack: the port of the broker `make run` starts",
    "kafka_controller_port": "local stack: the controller port of that broker",
    "service_keys_dir": "the keys come from Secrets (OPENECF_SERVICE_PRIVATE_KEY/PUBLIC_KEYS)",
    # Tuning with safe defaults, documented in the README's settings table; a court that
    # needs another value sets it through config.extraEnv.
    "mail_retry_seconds": "tuning: relay retry interval",
    "mail_max_attempts": "tuning: relay attempts before a delivery fails",
    "notice_link_wait_seconds": "tuning: how long an NDA waits for its free-look links",
    "notice_sender_threads": "tuning: relay connections per notify replica",
    "service_token_seconds": "tuning: service-token lifetime (security default)",
    "session_idle_minutes": "court policy with a sound default (extraEnv)",
    "session_absolute_hours": "court policy with a sound default (extraEnv)",
    "lockout_threshold": "security default (extraEnv)",
    "lockout_minutes": "security default (extraEnv)",
    "login_client_threshold": "security default (extraEnv)",
    "reset_token_minutes": "security default (extraEnv)",
    "confirm_token_hours": "security default (extraEnv)",
    "token_mails_per_address_hour": "security default (extraEnv)",
    "token_mails_per_client_hour": "security default (extraEnv)",
    "argon2_profile": "security default (extraEnv)",
    "totp_issuer": "the name authenticator apps show; rarely changed (extraEnv)",
    "filing_max_file_mb": "court rule with the ingress body size to match (extraEnv)",
    "filing_max_total_mb": "court rule with the ingress body size to match (extraEnv)",
    "filing_max_attachments": "court rule (extraEnv)",
    "filing_review_types": "court rule (extraEnv)",
    "pdf_workers": "tuning: PDF check processes per filing replica",
    "pdf_timeout_seconds": "tuning: the PDF check time budget",
    "pdf_seconds_per_page": "tuning: the PDF check time budget",
    "filing_ocr_timeout_seconds": "tuning: a paper scan's OCR time budget",
    "filing_ocr_memory_mb": "tuning: a paper scan's OCR memory (the filing pod's limit covers it)",
    "filing_check_budget_seconds": "tuning: the PDF check time budget",
    "filing_max_concurrent_checks": "tuning: checks one account may run at once",
    "pdf_memory_mb": "tuning: a PDF check's memory limit (mind the pod's)",
    "filing_orphan_grace_seconds": "tuning: when stored documents of a failed submit go",
    "filing_orphan_sweep_seconds": "tuning: how often they are looked for",
    "consumer_max_attempts": "tuning: Kafka consumer retries",
    "consumer_backoff_seconds": "tuning: Kafka consumer retries",
    "outbox_poll_seconds": "tuning: the outbox relay",
    "outbox_batch_size": "tuning: the outbox relay",
}

# Issue 18's settings, as non-default chart values, and what each process must read.
ISSUE_18_VALUES: dict[str, Any] = {
    "technicalFailures": {"probeSeconds": 7, "thresholdMinutes": 2.5, "graceDays": 3},
    "config": {
        "barSearchesPerClientMinute": 11,
        "courtName": "United States Court of Appeals for the Ninth Circuit",
    },
    "smtp": {"mailFrom": "ecf-notices@ca9.court.example"},
}
READ_BY: dict[str, tuple[str, Any]] = {
    # setting: (the process that acts on it, the value it must see)
    "availability_probe_seconds": ("auth", 7.0),
    "technical_failure_threshold_minutes": ("auth", 2.5),
    "technical_failure_grace_days": ("edge", 3),
    "bar_searches_per_client_minute": ("auth", 11),
    "court_name": ("notify", "United States Court of Appeals for the Ninth Circuit"),
    "mail_from": ("notify", "ecf-notices@ca9.court.example"),
}


def process_env(objects: list[dict[str, Any]], process: str) -> dict[str, str]:
    """The OPENECF_* variables a process's container gets: its ConfigMap(s), then its env."""
    deployment = one(objects, "Deployment", f"{FULLNAME}-{process}")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(one(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        env[variable["name"]] = variable.get("value", "<from a secret>")
    return env


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """What the process would make of that environment (secrets and addresses aside)."""
    with monkeypatch.context() as patch:
        for name, value in env.items():
            if name.startswith("OPENECF_") and value != "<from a secret>":
                patch.setenv(name, value)
        return Settings(_env_file=None)  # type: ignore[call-arg]


def test_issue_18_settings_reach_the_processes_that_read_them(
    render: Render, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = render(ISSUE_18_VALUES)
    for field, (process, expected) in READ_BY.items():
        settings = settings_from(process_env(objects, process), monkeypatch)
        assert getattr(settings, field) == expected, (field, process)
    # Every process reads the same settings (one ConfigMap): none is left on its default.
    for process in PROCESSES:
        env = process_env(objects, process)
        assert env["OPENECF_TECHNICAL_FAILURE_THRESHOLD_MINUTES"] == "2.5", process
        assert env["OPENECF_AVAILABILITY_PROBE_SECONDS"] == "7", process


def test_the_defaults_render_the_settings_defaults(
    default_objects: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = settings_from(process_env(default_objects, "auth"), monkeypatch)
    defaults = Settings.model_fields
    for field in (
        "availability_probe_seconds",
        "technical_failure_threshold_minutes",
        "technical_failure_grace_days",
        "bar_searches_per_client_minute",
    ):
        assert getattr(rendered, field) == defaults[field].default, field


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"technicalFailures": {"thresholdMinutes": 0}}, "thresholdMinutes"),
        ({"technicalFailures": {"probeSeconds": 0.5}}, "probeSeconds"),
        ({"technicalFailures": {"graceDays": 15}}, "graceDays"),
        ({"technicalFailures": {"graceDays": "1"}}, "graceDays"),
        ({"config": {"barSearchesPerClientMinute": 0}}, "barSearchesPerClientMinute"),
    ],
)
def test_the_schema_refuses_values_the_processes_would_refuse(
    render: Render, values: dict[str, Any], where: str
) -> None:
    with pytest.raises(AssertionError, match=where):
        render(values)


def _chart_settings(objects: list[dict[str, Any]]) -> set[str]:
    names: set[str] = set()
    for config_map in find(objects, "ConfigMap"):
        names |= {k for k in config_map.get("data", {}) if k.startswith("OPENECF_")}
    for kind in ("Deployment", "Job", "CronJob"):
        for obj in find(objects, kind):
            spec = obj["spec"]
            pod = spec["jobTemplate"]["spec"]["template"] if kind == "CronJob" else spec["template"]
            for container in pod["spec"]["containers"]:
                names |= {e["name"] for e in container.get("env", [])}
    return {name.removeprefix("OPENECF_").lower() for name in names}


def test_every_setting_is_a_chart_value_or_deliberately_not_one(
    default_objects: list[dict[str, Any]], render: Render
) -> None:
    objects = default_objects + render(ALL_FEATURES, api_versions=[MONITORING_API])
    # The settings only some installations render: an object store, Kafka with SCRAM.
    objects += render(
        {
            "documents": {
                "store": "s3",
                "s3": {"bucket": "court-documents", "existingSecret": {"name": "s3"}},
            },
            "kafka": {
                "security": {
                    "protocol": "SASL_SSL",
                    "username": "ecf",
                    "existingSecret": {"name": "ecf-kafka-user"},
                }
            },
        }
    )
    in_chart = _chart_settings(objects)
    fields = set(Settings.model_fields)
    forgotten = sorted(fields - in_chart - set(NOT_CHART_VALUES))
    assert forgotten == [], (
        f"expose these settings as chart values (values.yaml, values.schema.json, the "
        f"ConfigMap in templates/_helpers.tpl, the chart README) or list them in "
        f"NOT_CHART_VALUES with the reason: {forgotten}"
    )
    # The list stays honest: only real settings, and none the chart sets after all.
    assert sorted(set(NOT_CHART_VALUES) - fields) == []
    assert sorted(set(NOT_CHART_VALUES) & in_chart) == []
