"""``openecf``: the operator's command line."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from services.cli import imports, maintenance, technical_failures
from services.cli.arguments import undecodable_argument, whole_number
from services.cli.context import cli_settings
from services.common.settings import PROCESS_NAMES, SERVICE_NAMES, SettingMissing, get_settings

log = logging.getLogger("openecf")


def _serve(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"services.{args.service}.server")
    module.main()
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from services.common.migrations import migrate

    settings = cli_settings()
    database_url = settings.require_database_url()
    for service in args.service or SERVICE_NAMES:
        applied = migrate(database_url, service)
        print(f"{service}: {'applied ' + ', '.join(applied) if applied else 'up to date'}")
    if args.topics:
        from services.common.events import TOPIC_CONFIGS
        from services.common.kafka import KafkaSecurity, ensure_topics

        if not settings.kafka_bootstrap:
            raise UsageError(
                "--topics needs Kafka: set OPENECF_KAFKA_BOOTSTRAP or start `make run`"
            )
        ensure_topics(
            settings.kafka_bootstrap,
            TOPIC_CONFIGS,
            settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
            security=KafkaSecurity.from_settings(settings),
        )
        print("kafka: topics " + ", ".join(sorted(TOPIC_CONFIGS)) + " exist")
    return 0


def _account_create(args: argparse.Namespace) -> int:
    from services.auth import accounts, direct

    password = _password(args)
    new_account = accounts.validate_new_account(
        username=args.username,
        password=password,
        name=args.name or args.username,
        email=args.email,
        role=args.role,
        bar_number=args.bar_number,
        bar_state=args.bar_state,
        firm=args.firm,
    )
    database_url = cli_settings().require_database_url()
    with direct.connect(database_url) as conn, conn.transaction():
        created = accounts.register(conn, new_account, self_service=False)
    print(f"created {created.role} account {created.username} ({created.account_id})")
    return 0


def _password(args: argparse.Namespace) -> str:
    """The password from --password, or one line of standard input (--password-stdin), which
    keeps it out of the process list and the shell's history."""
    if args.password_stdin:
        try:  # strictly: an undecodable byte must not become a lone surrogate in the password
            line = sys.stdin.buffer.readline().decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise UsageError("--password-stdin: standard input is not UTF-8 text") from None
        if not line:
            raise UsageError("--password-stdin: standard input gave no password")
        return line
    if not args.password:
        raise UsageError("give --password or --password-stdin")
    return str(args.password)


class UsageError(Exception):
    """A mistake in how a command was called: one line, exit status 2."""


def _stack_up(args: argparse.Namespace) -> int:
    from services.common.logs import configure_logging
    from services.stack.local_tools import machine_cache
    from services.stack.supervisor import LocalStack, run_forever

    settings = get_settings()
    logs = _writable_folder(settings.data_dir / "logs", "OPENECF_DATA_DIR", settings.data_dir)
    # The console shows the stack's own progress lines; its JSON log goes with the others.
    configure_logging("stack", settings.log_level, log_file=logs / "stack.log")
    cache = Path(args.cache_dir).absolute() if args.cache_dir else machine_cache()
    _writable_folder(cache, "--cache-dir", cache)
    return run_forever(LocalStack(settings=settings, cache_dir=cache, replicas=args.replicas))


def _stack_forks(args: argparse.Namespace) -> int:
    """The fork server; in each child it forks, the child's own command, run here."""
    from services.stack.forks import BadRequest, serve

    try:
        argv = serve(sys.stdin.buffer, sys.stdout.buffer)
    except BadRequest as exc:
        raise UsageError(f"stack forks: {exc}") from None
    return 0 if argv is None else main(argv)


def _writable_folder(folder: Path, setting: str, value: Path) -> Path:
    """``folder``, made if need be; a folder the stack cannot write is the caller's mistake."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{setting} {value}: cannot make {folder}: {exc.strerror}") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{setting} {value}: {folder} is not writable by this user")
    return folder


def _keys_generate(args: argparse.Namespace) -> int:
    from services.common.identity import generate_keys, public_keys_line

    if not args.dir.strip():  # '' would be the current folder: a checkout, someone's home
        raise UsageError("--dir: give the folder for the keys (made 0700 if it does not exist)")
    folder = Path(args.dir).expanduser().resolve()
    processes = tuple(args.process or PROCESS_NAMES)
    generate_keys(folder, processes)
    print(f"identity keys in {folder}: " + ", ".join(processes) + " (existing keys kept)")
    print(f"OPENECF_SERVICE_PUBLIC_KEYS={public_keys_line(folder, PROCESS_NAMES)}")
    return 0


def _documents_migrate(args: argparse.Namespace) -> int:
    from services.access.object_migration import MigrationReport, migrate_to_object_store
    from services.access.objects import S3ContentStore
    from services.common.db import connect_pool

    settings = cli_settings()
    if not settings.s3_bucket:
        raise UsageError("set OPENECF_S3_BUCKET (and the other OPENECF_S3_* settings) first")
    pool = connect_pool(settings.require_database_url(), schema="access", max_size=2)

    def progress(report: MigrationReport) -> None:
        print(f"moved {report.moved} contents ({report.moved_bytes} bytes) so far", flush=True)

    try:
        report = migrate_to_object_store(
            pool,
            S3ContentStore.from_settings(settings),
            batch_size=args.batch_size,
            progress=progress,
        )
    finally:
        pool.close()
    print(
        f"documents: {report.moved} contents moved to s3://{settings.s3_bucket}, "
        f"{len(report.damaged)} damaged left in PostgreSQL"
    )
    for sha256 in report.damaged:
        print(f"damaged: {sha256}", file=sys.stderr)
    return 1 if report.damaged else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openecf", description="OpenECF operator commands")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run one service process")
    serve.add_argument("service", choices=PROCESS_NAMES)
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="apply every service's database migrations")
    migrate.add_argument("--service", action="append", choices=SERVICE_NAMES)
    migrate.add_argument(
        "--topics",
        action="store_true",
        help="also create the Kafka topics that do not exist yet (platform.maintenance compacted)",
    )
    migrate.set_defaults(run=_migrate)

    account = commands.add_parser("account", help="manage accounts").add_subparsers(
        dest="action", required=True
    )
    create = account.add_parser("create", help="create an account of any role")
    create.add_argument(
        "--role", required=True, choices=["clerk", "admin", "attorney", "public", "pro_se"]
    )
    create.add_argument("--username", required=True)
    secret = create.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password", default="")
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="")
    create.add_argument("--bar-number", default="")
    create.add_argument("--bar-state", default="")
    create.add_argument("--firm", default="")
    create.set_defaults(run=_account_create)

    stack = commands.add_parser("stack", help="the local stack").add_subparsers(
        dest="action", required=True
    )
    up = stack.add_parser("up", help="run the whole platform on this machine (make run)")
    up.add_argument(
        "--cache-dir", default="", help="where the Kafka jars are cached (~/.cache/openecf)"
    )
    up.add_argument(
        "--replicas",
        type=whole_number(1, 8),
        default=1,
        help="processes of every service and edges (replica k listens 100*(k-1) ports up)",
    )
    up.set_defaults(run=_stack_up)
    forks = stack.add_parser(
        "forks", help="the stack's fork server (`stack up` starts it; services/stack/forks.py)"
    )
    forks.set_defaults(run=_stack_forks)

    keys = commands.add_parser("keys", help="service identity keys").add_subparsers(
        dest="action", required=True
    )
    generate = keys.add_parser("generate", help="make an Ed25519 key pair per process")
    generate.add_argument("--dir", required=True, help="folder for <process>.key and .pub")
    generate.add_argument("--process", action="append", choices=PROCESS_NAMES)
    generate.set_defaults(run=_keys_generate)

    documents = commands.add_parser("documents", help="document content").add_subparsers(
        dest="action", required=True
    )
    to_s3 = documents.add_parser(
        "migrate-to-s3", help="move content from PostgreSQL to the object store (resumable)"
    )
    to_s3.add_argument("--batch-size", type=whole_number(1, 10_000), default=50)
    to_s3.set_defaults(run=_documents_migrate)

    maintenance.register(commands)  # openecf maintenance status|on|off|next|scheduler
    imports.register(commands)  # openecf import acms FILE...
    technical_failures.register(commands)  # openecf technical-failures list|record|…
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Whatever goes wrong is one line on stderr and a non-zero status, never
    a traceback; a long-running process (serve, stack, scheduler) also logs the traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    undecodable = undecodable_argument(argv)
    if undecodable:
        print(
            f"openecf: {undecodable} is not UTF-8 text (check the terminal's encoding)",
            file=sys.stderr,
        )
        return 2
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        long_running = (
            args.command in ("serve", "stack") or getattr(args, "action", "") == "scheduler"
        )
        if long_running and not _said_in_one_line(exc):
            log.error("openecf %s failed", args.command, exc_info=True)
        print(f"openecf: {_one_line(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, (UsageError, ValidationError)) or _refused_value(exc) else 1


# The caller's own mistakes: their message says all there is (no traceback, even where a
# long-running process logs one for what goes wrong inside it).
_SAID_IN_ONE_LINE = (UsageError, ValidationError, SettingMissing, imports.FileRefused)


def _said_in_one_line(exc: BaseException) -> bool:
    # A key file that is missing or damaged names itself (imported here: cryptography is slow).
    from services.common.identity import IdentityKeyError

    return isinstance(exc, (*_SAID_IN_ONE_LINE, IdentityKeyError))


def _refused_value(exc: BaseException) -> bool:
    """A court rule refusing a value the command was given (a short username, a window over
    7 days): a bad argument, exit status 2 as the README says, like argparse's own."""
    from services.common.errors import CourtError

    return isinstance(exc, CourtError) and exc.code in ("validation_failed", "invalid_text")


def _one_line(exc: BaseException) -> str:
    import psycopg

    from services.common.errors import CourtError

    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"OPENECF_{'_'.join(str(p) for p in error['loc']).upper() or 'SETTINGS'}: "
            f"{error['msg']}"
            for error in exc.errors()
        )
        return f"bad settings: {problems}"
    if isinstance(exc, CourtError):
        return f"{exc.code}: {exc.message}"
    if isinstance(exc, psycopg.OperationalError):
        first = (str(exc).strip().splitlines() or ["no reason given"])[0]
        return f"cannot reach the database: {first}"
    if _said_in_one_line(exc):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"  # as the shell says it
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


if __name__ == "__main__":
    sys.exit(main())
