"""WAE SQL to ClickHouse SQL: parse, allow-list, rewrite to WAE semantics, scope to the account.

`translate()` is the one entry point (cached), in either dialect (`dialect.py`). sqlglot's
exceptions are translated into `SqlError` here (and in `grafana/macros.py`, for the Grafana
text it parses before translation): its own error classes, and any other exception raised inside
sqlglot's code, since on some inputs its parser fails with a plain ValueError or TypeError.
`query_settings()` gives the settings every query runs with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError, UnsupportedError
from sqlglot.tokenizer_core import Token

from ..errors import SqlError
from ..storage.schema import TABLE
from . import guard, parse, rewrite, scope, show
from .dialect import Dialect
from .dialect import check as dialect_check
from .limits import needs_whole_answer, query_settings, whole_answer
from .translation import Translation, output_format

__all__ = ["Dialect", "Translation", "check_dialect", "query_settings", "translate"]

CACHE_SIZE = 4096
# Only statements up to this length are cached: dashboards repeat short ones, and a bound on
# each entry keeps a client sending many long distinct statements from pinning memory.
CACHED_CHARS = 8_000


def translate(
    text: str,
    *,
    account_id: str,
    database: str,
    dialect: Dialect = Dialect.EXTENDED,
    source: str = TABLE,
) -> Translation:
    """Translate one WAE statement for `account_id`, reading `database`.points (or its coarser
    copy `source`: sql/resolution.py).

    Raises SqlError (unparseable) or SqlRejected (not allowed, or in the `wae` dialect not
    WAE's), with `line`/`col` when known.
    """
    if len(text) <= CACHED_CHARS:
        return _cached(
            text, account_id=account_id, database=database, dialect=dialect, source=source
        )
    return _checked(text, account_id=account_id, database=database, dialect=dialect, source=source)


def check_dialect(text: str, dialect: Dialect) -> tuple[str, ...]:
    """What in one statement WAE would reject (raising in the `wae` dialect), without
    translating it: for SQL that runs after a rewrite of ours the check must not see (Grafana's
    ad hoc filters)."""
    with _readable_errors(text):
        tokens = parse.tokenize(text)
        if show.is_show(tokens):
            return ()
        tree, _ = _checked_query(tokens, text)
        return dialect_check(tree, dialect)


def _checked(
    text: str, *, account_id: str, database: str, dialect: Dialect, source: str
) -> Translation:
    with _readable_errors(text):
        return _translate(
            text, account_id=account_id, database=database, dialect=dialect, source=source
        )


@contextmanager
def _readable_errors(text: str) -> Iterator[None]:
    """sqlglot's failures on `text` as SqlError, in words a user can act on."""
    try:
        yield
    except ParseError as e:
        first = e.errors[0] if e.errors else {}
        position = {k: first[k] for k in ("line", "col") if first.get(k) is not None}
        message = _quoting_hint(text) or _readable(first.get("description") or str(e))
        raise SqlError(message, **position) from e
    except TokenError as e:
        raise SqlError("cannot read the query: check its quotes and brackets") from e
    except UnsupportedError as e:
        raise SqlError(_one_line(str(e))) from e
    except RecursionError as e:
        raise SqlError("query is nested too deeply") from e
    except Exception as e:
        if not parse.is_sqlglot_failure(e):
            raise  # our own bug: a 500, logged with its traceback
        raise SqlError("cannot read the query: this syntax is not supported") from e


_cached = lru_cache(maxsize=CACHE_SIZE)(_checked)


def _checked_query(tokens: list[Token], text: str) -> tuple[exp.Expr, str]:
    """A SELECT's tree, through the allow-list, and the output format it asks for."""
    tree = parse.parse(tokens, text)
    fmt = output_format(parse.pop_format(tree))
    guard.check(tree)
    return tree, fmt


def _translate(
    text: str, *, account_id: str, database: str, dialect: Dialect, source: str
) -> Translation:
    tokens = parse.tokenize(text)
    if show.is_show(tokens):
        return show.translate_show(tokens, account_id=account_id, database=database)
    tree, fmt = _checked_query(tokens, text)
    nonportable = dialect_check(tree, dialect)
    for transform in rewrite.TRANSFORMS:
        tree = transform(tree)
    tree = scope.scope_datasets(tree, account_id=account_id, database=database, source=source)
    wrap = needs_whole_answer(tree)
    # The tree is this call's own, so the generator may mutate it instead of copying it first.
    sql = parse.DIALECT.generate(tree, copy=False, comments=False)
    return Translation(whole_answer(sql) if wrap else sql, fmt, nonportable)


# sqlglot's messages name its own classes and tokens; say what the user wrote instead.
_END = re.compile(r"<Token token_type: TokenType\.SENTINEL[^>]*>")
_TOKEN = re.compile(r"<Token token_type: TokenType\.\w+, text: (.*?), line: \d+[^>]*>")
_MISSING = re.compile(r"Required keyword: '\w+' missing for <class '[\w.]*?(\w+)'>")
_CLAUSES = {"Where": "WHERE", "Having": "HAVING", "Limit": "LIMIT", "Offset": "OFFSET"}


def _readable(message: str) -> str:
    message = _END.sub("the end of the query", _one_line(message))
    message = _TOKEN.sub(lambda m: repr(m.group(1)), message)
    missing = _MISSING.search(message)
    if missing:
        clause = _CLAUSES.get(missing.group(1))
        return f"incomplete {clause} clause" if clause else "incomplete expression"
    return message


def _quoting_hint(text: str) -> str | None:
    """What a newcomer most often means when `FROM my-dataset` does not parse."""
    name = parse.unquoted_dashed_name(parse.tokenize(text), text)
    if name is None:
        return None
    return (
        f'dataset names with "-" go in double quotes: FROM "{name}" (double quotes are for '
        "names, single quotes for strings)"
    )


def _one_line(message: str) -> str:
    return " ".join(message.split())
