"""The console's subcommands on the `usagehouse` parser: their options, and each command's
arguments handed to the client (`sql`, `bill`) or the local translator (`translate`)."""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import quote

from ..config import DEFAULT_ACCOUNT, SQL_DIALECTS, env_name, load_settings
from ..errors import SqlError
from ..remote import ACCOUNT_ENV, DEFAULT_URL, TOKEN_ENV, URL_ENV
from ..storage import DEFAULT_DATABASE
from ..storage.schema import TABLE
from .client import DEFAULT_TIMEOUT_S, ConsoleError, SqlClient
from .shell import repl, run_statement, with_history


def _sql_command(args: argparse.Namespace) -> int:
    client = SqlClient(
        args.url, args.account, args.token or "", args.timeout, args.dialect or "", args.resolution
    )
    if args.sql is not None:
        return run_statement(client, args.sql, sys.stdout, sys.stderr)
    if sys.stdin is None or not sys.stdin.isatty():
        text = sys.stdin.read() if sys.stdin is not None else ""
        if not text.strip():
            print("error: no SQL given on standard input", file=sys.stderr)
            return 1
        return run_statement(client, text, sys.stdout, sys.stderr)
    print(f"usagehouse SQL on {client.url}, account {client.account!r}. End statements with ';',")
    print("quit with \\q or Ctrl-D.")
    return with_history(lambda: repl(client, input, sys.stdout, sys.stderr))


def _bill_command(args: argparse.Namespace) -> int:
    client = SqlClient(args.url, args.account, args.token or "", args.timeout)
    path = f"billing/invoices/{quote(args.month, safe='')}"
    if args.customer:
        path += "/" + quote(args.customer, safe="")
    try:
        reply = client.get(f"{path}?format={args.format}")
    except ConsoleError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(reply.body.decode())
    if not reply.body.endswith(b"\n"):
        sys.stdout.write("\n")
    return 0


def translated_sql(
    sql: str, account: str, database: str = DEFAULT_DATABASE, dialect: str = SQL_DIALECTS[0]
) -> tuple[str, tuple[str, ...]]:
    """The ClickHouse SQL a WAE statement runs as, with a FORMAT clause when it is not JSON, and
    what in it WAE would reject (always empty in the `wae` dialect, which raises instead)."""
    from ..sql import Dialect, translate
    from ..sql.translation import DEFAULT_FORMAT

    translation = translate(sql, account_id=account, database=database, dialect=Dialect(dialect))
    text = translation.sql
    if translation.output_format != DEFAULT_FORMAT:
        text = f"{text} FORMAT {translation.output_format}"
    return text, translation.nonportable


def _translate_command(args: argparse.Namespace) -> int:
    from ..sql.dialect import warning

    dialect = args.dialect or load_settings().sql_dialect
    try:
        text, nonportable = translated_sql(args.sql, args.account, args.database, dialect)
    except SqlError as e:
        where = ""
        if "line" in e.detail:
            where = f" (line {e.detail['line']}, column {e.detail.get('col', '?')})"
        print(f"error: {e.message}{where}", file=sys.stderr)
        return 1
    print(text)
    if nonportable:
        print(f"warning: {warning(nonportable)}", file=sys.stderr)
    return 0


def _add_server_options(parser: argparse.ArgumentParser, account: str) -> None:
    parser.add_argument(
        "--url",
        default=os.environ.get(URL_ENV) or DEFAULT_URL,
        help=f"server base URL (${URL_ENV}, default {DEFAULT_URL})",
    )
    parser.add_argument(
        "--account", default=account, help=f"account id (${ACCOUNT_ENV}, default {account})"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV, ""),
        help=f"read token, sent as Bearer (${TOKEN_ENV}; none in local-dev mode)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds to wait for an answer (default {DEFAULT_TIMEOUT_S:g})",
    )


def add_console_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `usagehouse sql`, `bill` and `translate` on the CLI's subcommands."""
    account = os.environ.get(ACCOUNT_ENV) or DEFAULT_ACCOUNT
    sql = subparsers.add_parser(
        "sql",
        help="run WAE SQL on a server and print a table",
        description="Send one statement to a usagehouse server's SQL API and print the answer "
        "as a table (raw, if the statement ends with FORMAT JSONEachRow or TabSeparated). "
        "With no statement: an interactive prompt on a terminal, else standard input.",
    )
    sql.add_argument("sql", nargs="?", help="the statement (omit for a prompt or stdin)")
    _add_server_options(sql, account)
    sql.add_argument(
        "--dialect",
        choices=SQL_DIALECTS,
        help="SQL dialect: wae (what Cloudflare accepts) or extended (default: the server's)",
    )
    sql.add_argument(
        "--resolution",
        default="",
        help="full (every row, however long it takes within the time limit), 10%%, 1%%, or "
        "adaptive (the default: the finest within the server's read budget)",
    )
    sql.set_defaults(run=_sql_command)

    bill = subparsers.add_parser(
        "bill",
        help="print a month's invoices from a server",
        description="Fetch the invoices of one month (all customers, or --customer) from a "
        "usagehouse server started with USAGEHOUSE_PRICING.",
    )
    bill.add_argument("--month", required=True, help="the month, YYYY-MM")
    bill.add_argument("--customer", help="one customer (index1 value); default: all")
    bill.add_argument("--format", choices=("json", "csv"), default="json")
    _add_server_options(bill, account)
    bill.set_defaults(run=_bill_command)

    translate = subparsers.add_parser(
        "translate",
        help="print the ClickHouse SQL a WAE statement becomes",
        description="Translate one WAE statement as the server would (allow-list, WAE "
        f"semantics, account scoping) and print the ClickHouse SQL it runs as, reading "
        f"{DEFAULT_DATABASE}.{TABLE} (or --database).",
    )
    translate.add_argument("sql", help="the WAE statement")
    translate.add_argument(
        "--account",
        default=account,
        help=f"account id to scope to (${ACCOUNT_ENV}, default {account})",
    )
    translate.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help=f"ClickHouse database (default {DEFAULT_DATABASE})",
    )
    translate.add_argument(
        "--dialect",
        choices=SQL_DIALECTS,
        help="SQL dialect: wae (what Cloudflare accepts) or extended "
        f"(default: ${env_name('sql_dialect')}, else {SQL_DIALECTS[0]})",
    )
    translate.set_defaults(run=_translate_command)
