"""The SHOW statements WAE documents, as ClickHouse queries of fixed shape.

- `SHOW TABLES`: one row per dataset of the account that holds rows, sorted by name, in the
  two columns WAE answers with, `dataset` and `type` (always `DATASET` here: WAE documents
  neither, and datasets are the only kind of table). A dataset exists once written to.
- `SHOW TIMEZONES`: one column `tz`, every zone name ClickHouse accepts (`system.time_zones`),
  sorted.
- `SHOW TIMEZONE`: one row, column `tz`, value `Etc/UTC` (the zone queries run in).

Each takes an optional `FORMAT JSON|JSONEachRow|TabSeparated`. The SQL is ours, so it may read
`system.time_zones`; user SQL never can.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

from ..errors import SqlRejected
from .catalog import datasets_sql
from .limits import QUERY_TIMEZONE as TIMEZONE
from .parse import DIALECT
from .translation import Translation, output_format

#: The `type` of every SHOW TABLES row.
TABLE_TYPE: Final = "DATASET"


def _tables(account_id: str, database: str) -> str:
    kind = exp.Literal.string(TABLE_TYPE).sql(dialect="clickhouse")
    return (
        f"SELECT dataset, {kind} AS type FROM ({datasets_sql(account_id, database)}) "
        "ORDER BY dataset"
    )


def _timezones(account_id: str, database: str) -> str:
    return "SELECT time_zone AS tz FROM system.time_zones ORDER BY tz"


def _timezone(account_id: str, database: str) -> str:
    return f"SELECT '{TIMEZONE}' AS tz"


STATEMENTS: Final[dict[str, Callable[[str, str], str]]] = {
    "TABLES": _tables,
    "TIMEZONES": _timezones,
    "TIMEZONE": _timezone,
}


def is_show(tokens: list[Token]) -> bool:
    return tokens[0].token_type == TokenType.SHOW


def translate_show(tokens: list[Token], *, account_id: str, database: str) -> Translation:
    """`tokens` start with SHOW; the tokenizer keeps the rest as raw text, so re-tokenize it
    (dropping comments) and expect `<what> [FORMAT <name>]`."""
    rest = " ".join(token.text for token in tokens[1:])
    words = [token.text for token in DIALECT.tokenize(rest)] if rest.strip() else []
    what = words[0].upper() if words else ""
    build = STATEMENTS.get(what)
    if build is None:
        supported = ", ".join(f"SHOW {name}" for name in STATEMENTS)
        raise SqlRejected(f"SHOW {what or '(nothing)'} is not supported; use one of {supported}")
    fmt: str | None = None
    match words[1:]:
        case []:
            pass
        case [keyword, name] if keyword.upper() == "FORMAT":
            fmt = name
        case _:
            raise SqlRejected(f"unexpected {' '.join(words[1:])!r} after SHOW {what}")
    return Translation(build(account_id, database), output_format(fmt))
