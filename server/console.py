"""`usagehouse sql` and `usagehouse translate`: WAE SQL from a terminal.

`sql` is a thin client of a running server's Cloudflare-shaped SQL API (stdlib HTTP only, so it
works wherever the server package installs); `translate` runs the translator locally and prints
the ClickHouse SQL a query becomes, which is how a rejected or surprising query gets debugged.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from .config import DEFAULT_ACCOUNT, SQL_DIALECTS, env_name, load_settings
from .errors import SqlError
from .storage import DEFAULT_DATABASE
from .storage.schema import TABLE

URL_ENV = "USAGEHOUSE_URL"
DIALECT_HEADER = "Usagehouse-Dialect"
WARNING_HEADER = "Usagehouse-Warning"
ACCOUNT_ENV = "USAGEHOUSE_ACCOUNT"
TOKEN_ENV = "USAGEHOUSE_API_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8787"
DEFAULT_TIMEOUT_S = 60.0
HISTORY_FILE = ".usagehouse_history"  # in the home directory
PROMPT = "usagehouse> "
CONTINUATION = "        -> "
QUIT_WORDS = frozenset({"\\q", "exit", "quit"})

#: ClickHouse type names (inside Nullable/LowCardinality) whose values are right-aligned.
NUMERIC_PREFIXES = ("Int", "UInt", "Float", "Decimal")
WRAPPERS = ("Nullable(", "LowCardinality(")


class ConsoleError(Exception):
    """A request could not be answered; the message is printed after `error: `."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful SQL API answer: the raw body, its media type, the server's portability
    warning (empty when the query would run on WAE too) and the resolution the answer was read
    from (the Usagehouse-Resolution header: `100%`, `10%`, `1%`; empty if none)."""

    body: bytes
    content_type: str
    warning: str = ""
    resolution: str = ""


# ---------------------------------------------------------------- table rendering


def is_numeric_type(clickhouse_type: str) -> bool:
    """Whether a column of this ClickHouse type holds numbers (right-aligned in tables)."""
    inner = clickhouse_type
    while inner.startswith(WRAPPERS) and inner.endswith(")"):
        inner = inner[inner.index("(") + 1 : -1]
    return inner.startswith(NUMERIC_PREFIXES)


class JsonNumber(str):
    """A JSON number kept as the text ClickHouse wrote (`12345678901`, not `12345678901.0`)."""


def _json_text(value: object) -> str:
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in value.items())
        return "{" + ",".join(pairs) + "}"
    return json.dumps(value, ensure_ascii=False)


def cell_text(value: object) -> str:
    """One value as a single table line: NULL spelt out, arrays and maps as JSON, control
    characters escaped so a newline in a blob cannot break the alignment."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
    return _json_text(value)


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide East Asian characters count 2, combining marks 0."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def render_table(meta: Sequence[Mapping[str, str]], rows: Sequence[Mapping[str, object]]) -> str:
    """An aligned text table (psql style) with an `(N rows)` footer; number columns, and their
    headers, are right-aligned.

    `meta` and `rows` are the `meta` and `data` of the SQL API's JSON answer.
    """
    names = [column["name"] for column in meta]
    numeric = [is_numeric_type(column.get("type", "")) for column in meta]
    cells = [[cell_text(row.get(name)) for name in names] for row in rows]
    widths = [
        max([display_width(name), *(display_width(line[i]) for line in cells)])
        for i, name in enumerate(names)
    ]
    lines = [
        " " + " | ".join(_pad(name, widths[i], numeric[i]) for i, name in enumerate(names)),
        "-" + "-+-".join("-" * width for width in widths) + "-",
    ]
    for line in cells:
        padded = (_pad(text, widths[i], numeric[i]) for i, text in enumerate(line))
        lines.append(" " + " | ".join(padded))
    count = len(rows)
    lines.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def format_reply(reply: Reply, raw: bool = False) -> str:
    """What `usagehouse sql` prints for an answer: a table for JSON, unless `raw` (the statement
    named its own FORMAT) or the body is not JSON; then the body as the server sent it."""
    text = reply.body.decode("utf-8", errors="replace")
    if raw or not reply.content_type.startswith("application/json"):
        return text
    try:
        document = json.loads(
            text, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=JsonNumber
        )
        meta, rows = document["meta"], document["data"]
    except (ValueError, KeyError, TypeError):
        return text
    return render_table(meta, rows)


# ---------------------------------------------------------------- the HTTP client


@dataclass(frozen=True, slots=True)
class SqlClient:
    """POSTs SQL to `/client/v4/accounts/{account}/analytics_engine/sql` of a server."""

    url: str
    account: str
    token: str = ""
    timeout_s: float = DEFAULT_TIMEOUT_S
    dialect: str = ""  # empty: the server's
    resolution: str = ""  # sent as the Usagehouse-Resolution header when set (`full`, `10%`)

    @property
    def endpoint(self) -> str:
        account = quote(self.account, safe="")
        return f"{self.url.rstrip('/')}/client/v4/accounts/{account}/analytics_engine/sql"

    def run(self, sql: str) -> Reply:
        """Send one statement; raise ConsoleError with the server's reason on any failure."""
        return self._send(self.endpoint, "POST", sql.encode(), "text/plain; charset=utf-8")

    def get(self, path: str) -> Reply:
        """GET an account-relative API path such as `billing/invoices/2026-03`."""
        account = quote(self.account, safe="")
        return self._send(f"{self.url.rstrip('/')}/v1/accounts/{account}/{path}", "GET")

    def _send(
        self, url: str, method: str, body: bytes | None = None, content_type: str = ""
    ) -> Reply:
        from .sql.resolution import HEADER as RESOLUTION_HEADER

        headers = {"Content-Type": content_type} if content_type else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.dialect:
            headers[DIALECT_HEADER] = self.dialect
        if self.resolution:
            headers[RESOLUTION_HEADER] = self.resolution
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return Reply(
                    response.read(),
                    response.headers.get("Content-Type", ""),
                    response.headers.get(WARNING_HEADER, ""),
                    response.headers.get(RESOLUTION_HEADER, ""),
                )
        except urllib.error.HTTPError as e:
            raise ConsoleError(error_text(e.code, e.read())) from None
        except TimeoutError:
            raise ConsoleError(
                f"no answer from {self.url} within {self.timeout_s:g} s (see --timeout)"
            ) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ConsoleError(
                f"cannot reach usagehouse at {self.url} ({reason}); start it with "
                f"`usagehouse serve` or point --url / {URL_ENV} at a running server"
            ) from None


def error_reason(body: bytes) -> str:
    """The reason in any of the server's error shapes: WAE's plain text, Cloudflare's v4
    envelope (auth), or the `{"error": ...}` shape of our own endpoints."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict):
        errors = document.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            text = str(errors[0].get("message", text))
        elif "error" in document:
            text = str(document["error"])
    return text


def error_text(status: int, body: bytes) -> str:
    """The reason and the status, for printing."""
    return f"{error_reason(body) or 'no reason given'} (HTTP {status})"


# ---------------------------------------------------------------- `usagehouse sql`


def run_statement(client: SqlClient, sql: str, out: TextIO, err: TextIO) -> int:
    """Run one statement and print its answer; 0 on success, 1 on an error (printed). A note on
    `err` names the datasets it reads that hold no data (WAE answers with zero rows, or a zero
    count, rather than an error)."""
    from .sql.inspect import has_own_format

    try:
        reply = client.run(sql)
    except ConsoleError as e:
        print(f"error: {e}", file=err)
        return 1
    out.write(format_reply(reply, raw=has_own_format(sql)))
    out.flush()
    if reply.warning:
        print(f"warning: {reply.warning}", file=err)
    if (note := resolution_note(reply)) is not None:
        print(note, file=err)
    if (note := empty_datasets_note(client, sql)) is not None:
        print(note, file=err)
    return 0


def resolution_note(reply: Reply) -> str | None:
    """A note when the answer was read from a coarser copy of the points; None at full."""
    from .storage.schema import FULL

    if reply.resolution in ("", FULL.label):
        return None
    return (
        f"note: read from the {reply.resolution} resolution to stay within the read budget: "
        "counts and sums are estimates (--resolution full reads every row)"
    )


def empty_datasets_note(client: SqlClient, sql: str) -> str | None:
    """Which datasets the statement reads hold no data, and which datasets do; None when all
    it reads have data."""
    from .sql.inspect import named_datasets

    named = named_datasets(sql)
    if not named:
        return None
    try:
        listing = client.run("SHOW TABLES FORMAT JSONEachRow").body.decode()
    except ConsoleError:
        return None
    have = [json.loads(line)["dataset"] for line in listing.splitlines() if line.strip()]
    missing = [name for name in named if name not in have]
    if not missing:
        return None
    if not have:
        return (
            f"note: account {client.account!r} has no data yet: write points first, or pass "
            f"the account that has them (--account or ${ACCOUNT_ENV})"
        )
    return (
        f"note: dataset {', '.join(missing)} has no data in account {client.account!r}; "
        f"datasets with data: {', '.join(have)}"
    )


def read_statement(read_line: Callable[[str], str]) -> str | None:
    """Read one `;`-terminated statement at the prompt ("" for an empty line); None when the
    user quits (`\\q`, `exit`, `quit`, or Ctrl-D on an empty statement)."""
    lines: list[str] = []
    while True:
        try:
            line = read_line(CONTINUATION if lines else PROMPT)
        except EOFError:
            return _joined(lines) if lines else None
        if not lines and line.strip().rstrip(";").lower() in QUIT_WORDS:
            return None
        if not lines and not line.strip():
            return ""
        lines.append(line)
        if line.rstrip().endswith(";"):
            return _joined(lines)


def _joined(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def repl(client: SqlClient, read_line: Callable[[str], str], out: TextIO, err: TextIO) -> int:
    """The interactive prompt: `;` ends a statement, `\\q`, `exit` or Ctrl-D quits, Ctrl-C
    abandons the statement being typed (or the query running)."""
    while True:
        try:
            statement = read_statement(read_line)
        except KeyboardInterrupt:
            out.write("\n")
            continue
        if statement is None:
            out.write("\n")
            return 0
        if not statement:
            continue
        try:
            run_statement(client, statement, out, err)
        except KeyboardInterrupt:
            print("error: interrupted", file=err)


def _with_history(run: Callable[[], int]) -> int:
    """Run the prompt with readline editing and a history file, where readline exists."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline
        return run()
    history = Path.home() / HISTORY_FILE
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    try:
        return run()
    finally:
        try:
            readline.set_history_length(1000)
            readline.write_history_file(history)
        except OSError:
            pass


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
    return _with_history(lambda: repl(client, input, sys.stdout, sys.stderr))


# ---------------------------------------------------------------- `usagehouse bill`


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


# ---------------------------------------------------------------- `usagehouse translate`


def translated_sql(
    sql: str, account: str, database: str = DEFAULT_DATABASE, dialect: str = SQL_DIALECTS[0]
) -> tuple[str, tuple[str, ...]]:
    """The ClickHouse SQL a WAE statement runs as, with a FORMAT clause when it is not JSON, and
    what in it WAE would reject (always empty in the `wae` dialect, which raises instead)."""
    from .sql import Dialect, translate
    from .sql.translation import DEFAULT_FORMAT

    translation = translate(sql, account_id=account, database=database, dialect=Dialect(dialect))
    text = translation.sql
    if translation.output_format != DEFAULT_FORMAT:
        text = f"{text} FORMAT {translation.output_format}"
    return text, translation.nonportable


def _translate_command(args: argparse.Namespace) -> int:
    from .sql.dialect import warning

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


# ---------------------------------------------------------------- registration


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
