"""The AST allow-list: every node of a user's query must be a construct listed here.

Default deny, in two tables: which node classes may appear (and which of their arguments may be
set), and per-class checks for the nodes that carry names (functions, tables, columns, units,
types). Anything else raises SqlRejected naming the construct. ClickHouse's read-only mode and
limits (`limits.py`) are the next layers behind this one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Final, NoReturn

from sqlglot import exp

from ..errors import SqlError, SqlRejected
from ..storage.schema import WAE_COLUMNS
from . import catalog, functions

#: Deeper trees than this are refused before the recursive rewrites and the generator see them.
MAX_DEPTH: Final = 400

_QUERY_CLAUSES: Final = frozenset(
    {"with_", "expressions", "distinct", "from_", "joins", "where", "group", "having", "order",
     "limit", "offset"}
)  # fmt: skip
_ANY: Final = frozenset({"*"})

#: Node class -> the arguments it may carry (`_ANY`: all of them; only flags or sub-expressions
#: that are themselves checked).
ALLOWED: Final[dict[type[exp.Expr], frozenset[str]]] = {
    exp.Select: _QUERY_CLAUSES,
    exp.Union: frozenset({"this", "expression", "distinct", "with_", "order", "limit", "offset"}),
    exp.Subquery: frozenset({"this", "alias", "order", "limit", "offset"}),
    exp.From: frozenset({"this"}),
    exp.Join: frozenset({"this", "on", "side", "kind", "using"}),
    exp.Table: frozenset({"this", "alias", "db"}),  # db: _check_table
    exp.TableAlias: frozenset({"this"}),
    exp.With: frozenset({"expressions"}),
    exp.CTE: frozenset({"this", "alias"}),
    exp.Where: frozenset({"this"}),
    exp.Group: frozenset({"expressions", "all"}),
    exp.Having: frozenset({"this"}),
    exp.Order: frozenset({"expressions"}),
    exp.Ordered: frozenset({"this", "desc", "nulls_first"}),
    exp.Limit: frozenset({"expression", "offset", "expressions"}),
    exp.Offset: frozenset({"expression"}),
    exp.Distinct: frozenset({"expressions", "on"}),
    exp.Alias: frozenset({"this", "alias"}),
    exp.Column: frozenset({"this", "table"}),
    exp.Identifier: frozenset({"this", "quoted"}),
    exp.Star: frozenset({"except_", "replace"}),
    exp.Literal: _ANY,
    exp.Boolean: _ANY,
    exp.Null: _ANY,
    exp.Paren: _ANY,
    exp.Tuple: _ANY,
    exp.Array: _ANY,
    exp.Bracket: frozenset({"this", "expressions", "offset"}),
    exp.In: frozenset({"this", "expressions", "query", "is_global"}),
    exp.Exists: frozenset({"this"}),
    exp.Case: _ANY,
    exp.If: _ANY,
    exp.Interval: frozenset({"this", "unit"}),
    exp.Var: frozenset({"this"}),
    exp.Extract: _ANY,
    exp.StrPosition: frozenset({"this", "substr", "position"}),
    exp.Cast: frozenset({"this", "to"}),
    exp.DataType: frozenset({"this", "expressions", "nested", "nullable"}),
    exp.DataTypeParam: frozenset({"this"}),
    exp.Anonymous: frozenset({"this", "expressions"}),
    exp.AnonymousAggFunc: frozenset({"this", "expressions"}),
    exp.CombinedAggFunc: frozenset({"this", "expressions"}),
    exp.ParameterizedAgg: frozenset({"this", "expressions", "params"}),
    exp.CombinedParameterizedAgg: frozenset({"this", "expressions", "params"}),
    **{
        op: _ANY
        for op in (
            exp.And, exp.Or, exp.Not, exp.Xor, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
            exp.NullSafeEQ, exp.NullSafeNEQ, exp.Like, exp.ILike, exp.Escape, exp.Between,
            exp.Is, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.Neg, exp.DPipe,
        )
    },
}  # fmt: skip

#: How a rejected construct is named in the message (default: the node's key in upper case).
CONSTRUCT_NAMES: Final[dict[type[exp.Expr], str]] = {
    exp.Window: "window functions (OVER)",
    exp.Lambda: "lambda functions (->)",
    exp.Placeholder: "query parameters",
    exp.Parameter: "query parameters",
    exp.WithFill: "ORDER BY ... WITH FILL",
    exp.Values: "VALUES",
    exp.Except: "EXCEPT",
    exp.Intersect: "INTERSECT",
    exp.Explode: "arrayJoin",
    exp.Dot: "dotted access",
}
ARG_NAMES: Final[dict[str, str]] = {
    "settings": "SETTINGS",
    "format": "FORMAT inside a query (put it last)",
    "prewhere": "PREWHERE",
    "sample": "SAMPLE",
    "into": "INTO",
    "qualify": "QUALIFY",
    "windows": "WINDOW",
    "totals": "WITH TOTALS",
    "rollup": "WITH ROLLUP",
    "cube": "WITH CUBE",
    "grouping_sets": "GROUPING SETS",
    "recursive": "WITH RECURSIVE",
    "scalar": "WITH <expression> AS <name> (use WITH <name> AS (SELECT ...))",
    "materialized": "MATERIALIZED CTEs",
    "field": "IN <table> (use IN (SELECT ...))",
    "global_": "GLOBAL JOIN",
    "method": "join methods",
    "db": "database-qualified names",
    "catalog": "database-qualified names",
    "columns": "column lists in table aliases",
    "with_fill": "ORDER BY ... WITH FILL",
    "by_name": "UNION BY NAME",
}

#: The units allowed in `INTERVAL n unit` and in `EXTRACT(unit FROM ...)`: one set.
TIME_UNITS: Final = frozenset(
    {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND"}
)
_T = exp.DataType.Type
CAST_TYPES: Final = frozenset(
    {_T.TEXT, _T.BOOLEAN, _T.UTINYINT, _T.USMALLINT, _T.UINT, _T.UBIGINT, _T.TINYINT,
     _T.SMALLINT, _T.INT, _T.BIGINT, _T.FLOAT, _T.DOUBLE, _T.DECIMAL, _T.DATE, _T.DATE32,
     _T.DATETIME, _T.DATETIME64, _T.ARRAY}
)  # fmt: skip
JOIN_KINDS: Final = frozenset({"", "INNER", "OUTER", "CROSS", "ANY", "ALL", "SEMI", "ANTI"})

#: The one column starting with '_' that datasets expose; the others are internal.
VISIBLE_UNDERSCORE: Final = "_sample_interval"


def check(tree: exp.Expr) -> None:
    """Raise SqlRejected unless every node of the tree is allowed."""
    stack: list[tuple[exp.Expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SqlRejected(f"query is nested too deeply (more than {MAX_DEPTH} levels)")
        allowed = ALLOWED.get(type(node))
        if allowed is None:
            _reject(_construct(node), node)
        node_check = CHECKS.get(type(node))
        if node_check is not None:
            node_check(node)
        if allowed is not _ANY:
            for key, value in node.args.items():
                if key not in allowed and value not in (None, False, []):
                    _reject(ARG_NAMES.get(key, key.upper()), node)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    _check_double_quoted_strings(tree)


def _check_double_quoted_strings(tree: exp.Expr) -> None:
    """`blob1 = "/api"`: double quotes make a name, so a double-quoted word that is neither a
    column of a dataset nor a name the query gives (alias, CTE, table alias, a projection's own
    name) was meant as a string; say so instead of ClickHouse's "unknown identifier"."""
    quoted = [
        column
        for column in tree.find_all(exp.Column)
        if isinstance(column.this, exp.Identifier) and column.this.quoted and not column.table
    ]
    if not quoted:
        return
    known = set(WAE_COLUMNS)
    known.update(node.alias for node in tree.find_all(exp.Alias, exp.CTE, exp.Table))
    for select in tree.find_all(exp.Select):
        known.update(e.sql(dialect="clickhouse") for e in select.expressions)
    for column in quoted:
        if column.name not in known:
            raise SqlError(
                f'"{column.name}" is a quoted name, and no column has it: write strings in '
                f"single quotes, '{column.name}' (double quotes are for names)",
                **position(column),
            )


def is_hidden_column(name: str) -> bool:
    """account_id, `_batch` and the other internal or virtual columns users must never see."""
    lower = name.lower()
    return lower == "account_id" or (lower.startswith("_") and lower != VISIBLE_UNDERSCORE)


def _construct(node: exp.Expr) -> str:
    if isinstance(node, exp.Command):
        return f"{node.name.upper()} statements"
    return CONSTRUCT_NAMES.get(type(node), node.key.upper())


def position(node: object) -> dict[str, object]:
    """`line`/`col` of the node or of its first child, where the tokenizer recorded them."""
    for candidate in (node, getattr(node, "this", None)):
        if isinstance(candidate, exp.Expr) and "line" in candidate.meta:
            return {key: candidate.meta[key] for key in ("line", "col")}
    return {}


def _reject(what: str, node: exp.Expr) -> NoReturn:
    raise SqlRejected(f"{what} is not allowed", **position(node))


def _check_function(node: exp.Expr) -> None:
    if functions.wae_spelling(node.name) is None:
        raise SqlRejected(f"function {node.name} is not allowed", **position(node))


def _check_table(node: exp.Expr) -> None:
    db = node.args.get("db")
    if node.args.get("catalog") or (
        db is not None
        and db.name != catalog.DATABASE
        and not catalog.is_catalog_table(db.name, node.name)
    ):
        raise SqlRejected(
            f"table {node.sql(dialect='clickhouse')} is not allowed: only this account's "
            f"datasets can be queried, by their plain name (or as {catalog.DATABASE}.<name>), "
            f"and of system only {', '.join(f'system.{t}' for t in catalog.TABLES)}",
            **position(node.this),
        )
    if not isinstance(node.this, exp.Identifier):
        name = node.this.name if isinstance(node.this, exp.Expr) else str(node.this)
        raise SqlRejected(
            f"table function {name}() is not allowed: query a dataset by name",
            **position(node),
        )


def _check_column(node: exp.Expr) -> None:
    if is_hidden_column(node.name):
        raise SqlRejected(
            f"column {node.name} is not available: datasets expose dataset, timestamp, "
            "_sample_interval, index1, blob1..blob20 and double1..double20",
            **position(node),
        )
    qualifier = node.args.get("table")
    if isinstance(qualifier, exp.Identifier) and qualifier.name.startswith("_"):
        # Keeps the scoped subquery's own `_points` alias out of reach.
        _reject(f"the qualifier {qualifier.name}", qualifier)


def _check_join(node: exp.Expr) -> None:
    kind = str(node.args.get("kind") or "").upper()
    if kind not in JOIN_KINDS:
        _reject(f"{kind} JOIN", node)
    for identifier in node.args.get("using") or []:
        _check_column(identifier)


def _check_var(node: exp.Expr) -> None:
    parent = node.parent
    if not isinstance(parent, exp.Interval | exp.Extract) or node.name.upper() not in TIME_UNITS:
        _reject(f"the keyword {node.name}", node)


def _check_data_type(node: exp.Expr) -> None:
    if node.this not in CAST_TYPES:
        _reject(f"the type {node.sql(dialect='clickhouse')}", node)


def _check_select(node: exp.Expr) -> None:
    # sqlglot accepts `SELECT` alone (also `SELECT -- comment`); ClickHouse would then report a
    # syntax error in the SETTINGS clause the storage layer appends, which the user never wrote.
    if not node.expressions:
        raise SqlError(
            "SELECT needs at least one expression, e.g. SELECT count()", **position(node)
        )


def _check_group(node: exp.Expr) -> None:
    # sqlglot accepts `GROUP BY` with nothing after it; ClickHouse would blame the SETTINGS
    # clause the storage layer appends.
    if not node.expressions and not node.args.get("all"):
        raise SqlError("incomplete GROUP BY clause", **position(node))


def _check_literal(node: exp.Expr) -> None:
    # ClickHouse cannot parse a number that overflows Float64 (`1e400`) or lacks its exponent
    # (`1e`), and blames the SETTINGS clause after it; name the number instead.
    if node.is_string:
        return
    try:
        finite = math.isfinite(float(node.this))
    except ValueError:
        finite = False
    if not finite:
        raise SqlError(f"invalid number {node.this[:40]}", **position(node))


_INTERVAL_COUNT: Final = re.compile(r"-?[0-9]+")


def _check_interval(node: exp.Expr) -> None:
    # ClickHouse parses `INTERVAL 'x' DAY` as a syntax error in the SETTINGS clause after it.
    count = node.this
    if (
        isinstance(count, exp.Literal)
        and count.is_string
        and not _INTERVAL_COUNT.fullmatch(count.this)
    ):
        raise SqlError(
            f"INTERVAL {count.this[:40]!r} needs a whole number, e.g. INTERVAL '1' DAY",
            **position(node),
        )


def _check_cte(node: exp.Expr) -> None:
    if not isinstance(node.this, exp.Query):
        _reject(ARG_NAMES["scalar"], node)


#: Extra checks for the nodes that carry names.
CHECKS: Final[dict[type[exp.Expr], Callable[[exp.Expr], None]]] = {
    exp.Anonymous: _check_function,
    exp.AnonymousAggFunc: _check_function,
    exp.CombinedAggFunc: _check_function,
    exp.ParameterizedAgg: _check_function,
    exp.CombinedParameterizedAgg: _check_function,
    exp.Table: _check_table,
    exp.Column: _check_column,
    exp.Join: _check_join,
    exp.Var: _check_var,
    exp.DataType: _check_data_type,
    exp.CTE: _check_cte,
    exp.Select: _check_select,
    exp.Group: _check_group,
    exp.Literal: _check_literal,
    exp.Interval: _check_interval,
}
