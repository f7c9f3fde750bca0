"""``openecf``: the operator's command line."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from services.cli import maintenance
from services.common.settings import PROCESS_NAMES, SERVICE_NAMES, get_settings


def _serve(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"services.{args.service}.server")
    module.main()
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from services.common.migrations import migrate

    settings = get_settings()
    database_url = settings.require_database_url()
    for service in args.service or SERVICE_NAMES:
        applied = migrate(database_url, service)
        print(f"{service}: {'applied ' + ', '.join(applied) if applied else 'up to date'}")
    if args.topics:
        from services.common.events import TOPIC_CONFIGS
        from services.common.kafka import ensure_topics

        if not settings.kafka_bootstrap:
            raise SystemExit("openecf: --topics needs OPENECF_KAFKA_BOOTSTRAP")
        ensure_topics(
            settings.kafka_bootstrap,
            TOPIC_CONFIGS,
            settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
        )
        print("kafka: topics " + ", ".join(sorted(TOPIC_CONFIGS)) + " exist")
    return 0


def _account_create(args: argparse.Namespace) -> int:
    import psycopg

    from services.auth import accounts

    new_account = accounts.validate_new_account(
        username=args.username,
        password=args.password,
        name=args.name or args.username,
        email=args.email,
        role=args.role,
        bar_number=args.bar_number,
        bar_state=args.bar_state,
        firm=args.firm,
    )
    database_url = get_settings().require_database_url()
    with psycopg.connect(database_url, options="-c search_path=auth") as conn, conn.transaction():
        created = accounts.register(conn, new_account, self_service=False)
    print(f"created {created.role} account {created.username} ({created.account_id})")
    return 0


def _stack_up(args: argparse.Namespace) -> int:
    from services.common.logs import configure_logging
    from services.stack.supervisor import LocalStack, run_forever

    settings = get_settings()
    configure_logging("stack", settings.log_level)
    cache = Path(args.cache_dir) if args.cache_dir else settings.data_dir / "cache"
    return run_forever(LocalStack(settings=settings, cache_dir=cache))


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
    create.add_argument("--password", required=True)
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
    up.add_argument("--cache-dir", default="", help="where the Kafka jars are cached")
    up.set_defaults(run=_stack_up)

    maintenance.register(commands)  # openecf maintenance status|on|off|next|scheduler
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValidationError as exc:
        print(f"openecf: bad settings:\n{exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from services.common.errors import CourtError

        if isinstance(exc, CourtError):
            print(f"openecf: {exc.code}: {exc.message}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
