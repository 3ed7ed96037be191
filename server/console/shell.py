"""`usagehouse sql`: one statement, or an interactive prompt, run on a server and printed, with
notes on what the answer means (a warning, a coarser resolution, datasets with no data)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..remote import ACCOUNT_ENV
from .client import ConsoleError, Reply, SqlClient
from .table import format_reply

HISTORY_FILE = ".usagehouse_history"  # in the home directory
PROMPT = "usagehouse> "
CONTINUATION = "        -> "
QUIT_WORDS = frozenset({"\\q", "exit", "quit"})


def run_statement(client: SqlClient, sql: str, out: TextIO, err: TextIO) -> int:
    """Run one statement and print its answer; 0 on success, 1 on an error (printed). A note on
    `err` names the datasets it reads that hold no data (WAE answers with zero rows, or a zero
    count, rather than an error)."""
    from ..sql.inspect import has_own_format

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
    from ..storage.schema import FULL

    if reply.resolution in ("", FULL.label):
        return None
    return (
        f"note: read from the {reply.resolution} resolution to stay within the read budget: "
        "counts and sums are estimates (--resolution full reads every row)"
    )


def empty_datasets_note(client: SqlClient, sql: str) -> str | None:
    """Which datasets the statement reads hold no data, and which datasets do; None when all
    it reads have data."""
    from ..sql.inspect import named_datasets

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


def with_history(run: Callable[[], int]) -> int:
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
