"""Grafana's rewrites of user SQL, applied before `translate()`: macro expansion from the
dashboard's time range and interval, and ad hoc filters applied to every dataset reference.

Both are text -> text, so their output goes through the same parse, allow-list and scoping as
any query: a macro can only produce SQL the user could have typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlglot import exp, parse_one

from ..errors import AppError, SqlError
from ..sql import parse, show


@dataclass(frozen=True, slots=True)
class MacroContext:
    """What the macros expand to: the range in epoch ms, the bucket in whole seconds, and the
    rendered ad hoc filter condition (None when the request has no filters)."""

    from_ms: int
    to_ms: int
    interval_s: int
    adhoc: str | None = None

    @property
    def from_s(self) -> int:
        return self.from_ms // 1000

    @property
    def to_s(self) -> int:
        return self.to_ms // 1000


def _time_filter(column: str, c: MacroContext) -> str:
    return f"{column} >= toDateTime({c.from_s}) AND {column} <= toDateTime({c.to_s})"


def _time_interval(column: str, c: MacroContext) -> str:
    return f"toStartOfInterval(toDateTime({column}), INTERVAL {c.interval_s} second)"


#: `$name` -> text. Grafana ClickHouse's names (`$__...`) and Altinity's (`$timeSeries`, ...);
#: Altinity's column is always `timestamp`, WAE's only time column.
VALUES: Final[dict[str, Callable[[MacroContext], str]]] = {
    "__from": lambda c: str(c.from_ms),
    "__to": lambda c: str(c.to_ms),
    "__fromTime": lambda c: f"toDateTime({c.from_s})",
    "__toTime": lambda c: f"toDateTime({c.to_s})",
    "__interval_s": lambda c: str(c.interval_s),
    "__interval_ms": lambda c: str(c.interval_s * 1000),
    "__adhocFilters": lambda c: c.adhoc or "1",
    "from": lambda c: str(c.from_s),
    "to": lambda c: str(c.to_s),
    "interval": lambda c: str(c.interval_s),
    "timeFilter": lambda c: _time_filter("timestamp", c),
    "timeFilterMs": lambda c: (
        f"timestamp >= toDateTime64({c.from_ms}/1000, 3) "
        f"AND timestamp <= toDateTime64({c.to_ms}/1000, 3)"
    ),
    "timeSeries": lambda c: (
        f"(intDiv(toUInt32(timestamp), {c.interval_s}) * {c.interval_s}) * 1000"
    ),
    "timeSeriesMs": lambda c: (
        f"(intDiv(toUInt32(timestamp) * 1000, {c.interval_s * 1000}) * {c.interval_s * 1000})"
    ),
    "adhoc": lambda c: c.adhoc or "1",
}

#: `$name(column)` -> text.
FUNCTIONS: Final[dict[str, Callable[[str, MacroContext], str]]] = {
    "__timeFilter": _time_filter,
    "__timeFrom": lambda col, c: f"{col} >= toDateTime({c.from_s})",
    "__timeTo": lambda col, c: f"{col} <= toDateTime({c.to_s})",
    "__timeInterval": _time_interval,
    "timeFilterByColumn": _time_filter,
}

#: Macros that place the ad hoc filters themselves (then they are not applied automatically).
ADHOC_MACROS: Final = ("$adhoc", "$__adhocFilters")

_NAMES = sorted({*VALUES, *FUNCTIONS}, key=len, reverse=True)
_MACRO = re.compile(r"\$(" + "|".join(map(re.escape, _NAMES)) + r"|__\w+)(?![A-Za-z0-9_])")


def expand(text: str, context: MacroContext) -> str:
    """Replace every macro in `text`; an unknown `$__name` is an error, not passed on."""
    out: list[str] = []
    position = 0
    for match in _MACRO.finditer(text):
        if match.start() < position:
            continue  # inside a function macro's argument list, already consumed
        name = match.group(1)
        out.append(text[position : match.start()])
        position = match.end()
        if name in FUNCTIONS:
            argument, position = _argument(text, position, name)
            out.append(FUNCTIONS[name](argument, context))
        elif name in VALUES:
            out.append(VALUES[name](context))
        else:
            raise SqlError(f"unknown macro ${name}; known: {', '.join('$' + n for n in _NAMES)}")
    out.append(text[position:])
    return "".join(out)


def _argument(text: str, start: int, name: str) -> tuple[str, int]:
    """The text between the parentheses that follow a function macro, and the end offset."""
    opening = start
    while opening < len(text) and text[opening].isspace():
        opening += 1
    if opening >= len(text) or text[opening] != "(":
        raise SqlError(f"macro ${name} takes a column: ${name}(timestamp)")
    depth = 0
    for i in range(opening, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            argument = text[opening + 1 : i].strip()
            if not argument:
                raise SqlError(f"macro ${name} takes a column: ${name}(timestamp)")
            return argument, i + 1
    raise SqlError(f"unbalanced parentheses after ${name}")


def uses_adhoc_macro(text: str) -> bool:
    """Whether the query places the ad hoc filters itself with `$adhoc`/`$__adhocFilters`."""
    return any(re.search(re.escape(m) + r"(?![A-Za-z0-9_])", text) for m in ADHOC_MACROS)


def filter_datasets(text: str, condition: str) -> str:
    """Apply `condition` to the rows of every dataset the query reads: `FROM ds AS d` becomes
    `FROM (SELECT * FROM ds WHERE <condition>) AS d`, in subqueries and joins too.

    CTE references are left alone (the CTE's own dataset references are filtered). A query
    that does not parse is returned unchanged, so `translate()` reports the error with its
    position.
    """
    try:
        where = parse_one(f"SELECT * FROM _ WHERE {condition}", dialect=parse.DIALECT)
    except Exception as e:
        if not parse.is_sqlglot_failure(e):
            raise
        # Never fall back to unfiltered rows: a dashboard would show data it asked to exclude.
        raise SqlError(f"ad hoc filters cannot be applied: {condition[:100]}") from e
    try:
        tokens = parse.tokenize(text)
        if show.is_show(tokens):
            return text
        tree = parse.parse(tokens, text)
    except Exception as e:
        if isinstance(e, AppError) or parse.is_sqlglot_failure(e):
            return text
        raise
    cte_names = {cte.alias for cte in tree.find_all(exp.CTE)}
    for table in list(tree.find_all(exp.Table)):
        name = table.this
        if not isinstance(name, exp.Identifier) or table.args.get("db") or table.name in cte_names:
            continue
        alias = table.args.get("alias")
        inner = where.copy()
        inner.set("from_", exp.From(this=exp.Table(this=name.copy())))
        table.replace(
            exp.Subquery(this=inner, alias=alias.copy() if alias else exp.TableAlias(this=name))
        )
    return parse.DIALECT.generate(tree, copy=False, comments=False)
