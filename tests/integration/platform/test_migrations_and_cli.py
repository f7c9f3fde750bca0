"""Migrations and the operator's command line, against the stack's real PostgreSQL."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from support.cli import openecf, run_openecf

from services.common.migrations import MigrationError, migrate
from services.common.settings import SERVICE_NAMES
from services.stack.environment import settings_env
from services.stack.supervisor import LocalStack


def test_migrations_are_idempotent(database_url: str) -> None:
    for service in SERVICE_NAMES:
        assert migrate(database_url, service) == []  # the stack applied them already
    applied = migrate(database_url, "migrationtest")
    assert applied == [
        "common/0001_outbox.sql",
        "common/0002_consumer_groups.sql",
        "common/0003_service_nonces.sql",
        "common/0004_wake_on_commit.sql",
    ]
    assert migrate(database_url, "migrationtest") == []


def test_an_edited_applied_migration_is_refused(database_url: str) -> None:
    migrate(database_url, "tampertest")
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE tampertest.schema_migrations SET sha256 = 'edited'")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(database_url, "tampertest")


def test_a_bad_schema_name_never_reaches_sql(database_url: str) -> None:
    with pytest.raises(ValueError):
        migrate(database_url, "auth; DROP SCHEMA auth")


def test_openecf_migrate_reports_every_schema_up_to_date(stack: LocalStack) -> None:
    result = openecf(stack, "migrate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{s}: up to date" for s in SERVICE_NAMES]


def test_openecf_migrate_topics_creates_what_is_missing(stack: LocalStack) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    from services.common.events import TOPIC_CONFIGS
    from services.common.kafka import admin_client

    result = openecf(stack, "migrate", "--topics")  # the stack made them: nothing to do
    assert result.returncode == 0, result.stderr
    assert "kafka: topics" in result.stdout
    admin = admin_client(stack.settings.kafka_bootstrap, timeout_ms=10000)
    try:
        assert set(TOPIC_CONFIGS) <= set(admin.list_topics())
        described = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, "platform.maintenance")]
        )
        assert "compact" in str(described)  # the current state survives, nothing else
    finally:
        admin.close()


def test_openecf_account_create_makes_a_clerk_and_refuses_a_weak_password(
    stack: LocalStack, database_url: str
) -> None:
    username = f"clerk{uuid.uuid4().hex[:6]}"
    common = ["account", "create", "--role", "clerk", "--username", username]
    created = openecf(
        stack, *common, "--password", "a long clerk passphrase 9", "--email", "c@court.example"
    )
    assert created.returncode == 0, created.stderr
    assert f"created clerk account {username}" in created.stdout
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT role, password_hash LIKE '$argon2id$%%' FROM auth.accounts WHERE username = %s",
            [username],
        ).fetchone()
    assert row == ("clerk", True)

    weak = openecf(stack, *common, "--password", "Wk9!zq", "--email", "c@court.example")
    assert weak.returncode == 2  # a bad argument, though the court's rule says so
    assert "validation_failed: the password must be at least 12 characters" in weak.stderr
    assert "Wk9!zq" not in weak.stdout + weak.stderr  # a password is never echoed


def test_bad_settings_stop_the_command_with_a_clear_message(stack: LocalStack) -> None:
    bad = {**settings_env(stack.settings), "OPENECF_AUTH_PORT": "99999"}
    result = run_openecf("migrate", settings=bad)
    assert result.returncode == 2
    assert "OPENECF_AUTH_PORT" in result.stderr
    assert "less than or equal to 65535" in result.stderr


def test_a_service_stops_gracefully_on_sigterm_and_comes_back(stack: LocalStack) -> None:
    assert stack.stop_child("access") == 0  # SIGTERM → NOT_SERVING → server.stop(grace) → exit 0
    log = (stack.log_dir / "access.log").read_text()
    assert '"msg": "stopped"' in log
    stack.restart_child("access")
