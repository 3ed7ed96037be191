"""The `usagehouse` command: serve and schema, plus the demo, sql, bill, translate and import
subcommands."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import re
import sys
from collections.abc import Sequence

from .config import CLUSTER_NAME, ConfigError, load_settings
from .console import add_console_commands
from .demo import add_demo_command
from .errors import AppError
from .importer.cli import add_import_command
from .serving import StartError
from .storage import DEFAULT_DATABASE, schema


def tune_gc() -> None:
    """Parsed data points are acyclic and freed by reference counting, but each request
    allocates thousands of containers, so CPython's default gen-0 threshold (700) runs the
    cycle collector many times per request and re-scans everything queued. Collect less often;
    cycles are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _serve(args: argparse.Namespace) -> int:
    from .app import create_app
    from .serving import data_directory_lock, serve

    settings = load_settings(
        host=args.host, port=args.port, storage=args.storage, pricing=args.pricing
    )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    tune_gc()
    with data_directory_lock(settings):
        asyncio.run(serve(app, settings, sys.stdout, sys.stderr))
    return 0


def ddl_script(database: str, retention_days: int, cluster: str = "") -> str:
    """Every statement the server runs to create its schema, each ending in `;`."""
    return ";\n\n".join(schema.all_ddl(database, retention_days, cluster)) + ";\n"


def _schema(args: argparse.Namespace) -> int:
    settings = load_settings()
    cluster = settings.clickhouse_cluster if args.cluster is None else args.cluster
    sys.stdout.write(ddl_script(args.database, settings.retention_days, cluster))
    return 0


def _cluster_name(value: str) -> str:
    if not re.fullmatch(CLUSTER_NAME, value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a plain cluster name")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="usagehouse", description="Self-hosted Workers Analytics Engine."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", help="listen address (USAGEHOUSE_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (USAGEHOUSE_PORT, default 8787)")
    serve.add_argument(
        "--storage",
        help="data directory (embedded chDB) or http(s)://user:pass@host:port/db "
        "(USAGEHOUSE_STORAGE, default ./usagehouse-data)",
    )
    serve.add_argument("--pricing", help="pricing file for invoices (USAGEHOUSE_PRICING)")
    serve.set_defaults(run=_serve)
    schema = commands.add_parser(
        "schema",
        help="print the DDL the server runs",
        description="Print every statement the server runs to create its database and tables, "
        "each ending in ';', for a DBA to run by hand (TTL from USAGEHOUSE_RETENTION_DAYS).",
    )
    schema.add_argument(
        "--cluster",
        type=_cluster_name,
        help="ClickHouse cluster: ON CLUSTER DDL, Replicated local tables and Distributed "
        "tables (USAGEHOUSE_CLICKHOUSE_CLUSTER, default none: one server)",
    )
    schema.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help=f"database to create the tables in (default {DEFAULT_DATABASE})",
    )
    schema.set_defaults(run=_schema)
    add_demo_command(commands)
    add_console_commands(commands)
    add_import_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except ConfigError as e:
        print(f"usagehouse: configuration error: {e}", file=sys.stderr)
        return 2
    except AppError as e:  # e.g. the ClickHouse server in USAGEHOUSE_STORAGE is unreachable
        print(f"usagehouse: cannot start: {e.message}", file=sys.stderr)
        return 1
    except StartError as e:  # a port in use, a data directory in use
        print(f"usagehouse: cannot start: {e}", file=sys.stderr)
        return 1
    return result
