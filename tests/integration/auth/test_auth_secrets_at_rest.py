"""A token received by mail, a password and a TOTP secret rest nowhere in plain text.

The scan reads what an attacker with the disks would: every file of Kafka's data folder,
every log, PostgreSQL's own files (tables and WAL), and every text, bytea and json column of
every schema through SQL. Only the e-mail (the SMTP sink's Maildir) may hold the token; the
TOTP secret (base32, raw, hex; enrolled and pending) rests only sealed (services/auth/totp_keys).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import psycopg
from psycopg import sql
from support.api import PASSWORD, Api, enrol_mfa, mail_to, mailed_token, register, unique, wait_for

from services.stack.supervisor import LocalStack

SCANNED_TYPES = ("text", "character varying", "bytea", "jsonb", "json", "ARRAY")


def _files_holding(root: Path, needles: dict[str, bytes]) -> list[tuple[str, str]]:
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue  # a file that vanished mid-scan (a rolled segment)
        found += [(name, str(path)) for name, needle in needles.items() if needle in data]
    return found


def _columns_holding(database_url: str, needles: dict[str, str]) -> list[tuple[str, str]]:
    """(needle, column) for each text, bytea and json column holding a needle: one scan of
    each column for all the needles together."""
    found = []
    names = list(needles)
    with psycopg.connect(database_url, autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name, data_type"
            " FROM information_schema.columns"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            " AND table_schema NOT LIKE 'pg_toast%%' AND data_type = ANY(%s)",
            [list(SCANNED_TYPES)],
        ).fetchall()
        for schema, table, column, data_type in columns:
            # bytea is searched as bytes; everything else as its text form.
            match = (
                "position(convert_to(%s, 'UTF8') in {column}) > 0"
                if data_type == "bytea"
                else "strpos({column}::text, %s) > 0"
            )
            query = sql.SQL("SELECT {} FROM {}.{}").format(
                sql.SQL(", ").join(
                    sql.SQL("coalesce(bool_or(" + match + "), false)").format(
                        column=sql.Identifier(column)
                    )
                    for _ in names
                ),
                sql.Identifier(schema),
                sql.Identifier(table),
            )
            hits = conn.execute(query, [needles[name] for name in names]).fetchone()
            assert hits is not None  # an aggregate: always one row
            where = f"{schema}.{table}.{column}"
            found += [(name, where) for name, hit in zip(names, hits, strict=True) if hit]
    return found


def _bytea_holding(database_url: str, needle: bytes) -> list[str]:
    """bytea columns holding ``needle`` as bytes (a raw TOTP key would be stored so)."""
    found = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            " AND data_type = 'bytea'"
        ).fetchall()
        for schema, table, column in columns:
            query = sql.SQL("SELECT 1 FROM {}.{} WHERE position(%s::bytea in {}) > 0 LIMIT 1")
            hit = conn.execute(
                query.format(sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)),
                [needle],
            ).fetchone()
            if hit:
                found.append(f"{schema}.{table}.{column}")
    return found


def test_tokens_passwords_and_totp_secrets_rest_only_in_the_mail(
    stack: LocalStack, edge_url: str, database_url: str
) -> None:
    owner, body = register(edge_url)
    enrol_mfa(owner)
    assert owner.totp_secret
    # Another account's enrolment left pending (never confirmed): its secret rests sealed too.
    other, _ = register(edge_url)
    started = other.post("/api/v1/accounts/me/mfa", json={"current_password": PASSWORD})
    assert started.status_code == 201, started.text
    pending = started.json()["secret"]
    # A reset token, received by mail.
    asked = Api(edge_url).post("/api/v1/credential-reissue", json={"email": body["email"]})
    assert asked.status_code == 202
    reset = mailed_token(mail_to(stack.maildir, body["email"], "login"), "reset-password")
    # A confirmation token for a new secondary address, received by mail (an account without
    # a second factor adds it: the owner's next code is the login's below).
    secondary = f"{unique('second')}@example.org"
    adder, _ = register(edge_url)
    added = adder.patch(
        "/api/v1/accounts/me",
        json={"secondary_emails": [{"email": secondary}], "current_password": PASSWORD},
    )
    assert added.status_code == 200, added.text
    confirm = mailed_token(mail_to(stack.maildir, secondary, "Confirm"), "confirm-email")
    # Wait until both mails are recorded as sent (notify's queue after sending is scanned too).
    wait_for(
        lambda: (
            psycopg.connect(database_url, autocommit=True)
            .execute(
                "SELECT count(*) = 0 FROM notify.notices WHERE account_id = ANY(%s::uuid[])"
                " AND kind <> 'nda' AND status <> 'sent'",
                [[owner.account["account_id"], adder.account["account_id"]]],
            )
            .fetchone()[0]
        ),  # type: ignore[index]
        what="the mails marked sent",
    )

    # The registration's confirmation link (register() used it, as the owner would).
    registration = mailed_token(mail_to(stack.maildir, body["email"], "Confirm"), "confirm-email")
    secrets = {
        "reset token": reset,
        "confirmation token": confirm,
        "registration token": registration,
        "password": PASSWORD,
        "totp secret": owner.totp_secret,
    }
    # The TOTP secret also as its raw bytes and their hex (what a base32-decoding store
    # would keep); a pending enrolment's secret too.
    raw_totp = base64.b32decode(owner.totp_secret)
    needles = {name: value.encode() for name, value in secrets.items()}
    needles |= {"totp secret (raw)": raw_totp, "pending totp secret": pending.encode()}
    everywhere = {
        "kafka data": stack.data_dir / "kafka",
        "logs": stack.log_dir,
        "postgres files": stack.data_dir / "postgres",
    }
    for place, root in everywhere.items():
        assert _files_holding(root, needles) == [], place
    texts = secrets | {"totp secret (hex)": raw_totp.hex(), "pending totp secret": pending}
    assert _columns_holding(database_url, texts) == []
    assert _bytea_holding(database_url, raw_totp) == []
    # Codes still work from the sealed secret: a login with the second factor succeeds.
    again = Api(edge_url)
    assert again.login(owner.account["username"], PASSWORD, owner.next_otp()).status_code == 201
    # The scan is not blind: what auth does keep, the token's SHA-256, is found both ways.
    digest = hashlib.sha256(reset.encode()).digest()
    assert _files_holding(stack.data_dir / "postgres", {"hash": digest})
    assert ("address", "auth.accounts.email") in _columns_holding(
        database_url, {"address": body["email"]}
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        kept = conn.execute(
            "SELECT 1 FROM auth.mail_tokens WHERE position(%s::bytea in token_sha256) > 0",
            [digest],
        ).fetchone()
    assert kept
