"""WAE semantics on a checked tree: function renames and reshapes, canonical names, LIMIT ALL.

Each rewrite is one small tree-to-tree function; `TRANSFORMS` lists them in the order
`translate()` applies them. They run after `guard.check`, so every function name is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final

from sqlglot import exp

from ..errors import SqlError
from . import confidence, functions
from .parse import FUNCTION_NODES

#: topK and topKWeighted default to N = 10 in WAE.
DEFAULT_TOP_K: Final = 10
#: ClickHouse `toStartOfWeek` mode 1 starts weeks on Monday, as WAE's does.
MONDAY_MODE: Final = 1
#: Truncations that answer a DateTime in WAE (its docs: `toStartOfMonth(...)` is
#: '2025-10-01 00:00:00') and a Date in ClickHouse.
DATETIME_STARTS: Final = frozenset(
    {"toStartOfYear", "toStartOfQuarter", "toStartOfMonth", "toStartOfWeek"}
)
#: Bit functions WAE applies to a double (`bitTest(double1, 2)` in its docs) that ClickHouse
#: only takes integers for; a double column is read as its integer value. `bitCount` and
#: `bitHammingDistance` take a double as it is, the bits of the float (WAE's docs say so).
INTEGER_BIT_FUNCTIONS: Final = frozenset(
    {"bitAnd", "bitOr", "bitXor", "bitNot", "bitRotateLeft", "bitRotateRight", "bitShiftLeft",
     "bitShiftRight", "bitTest"}
)  # fmt: skip
_DOUBLE: Final = re.compile(r"double([1-9]|1[0-9]|20)")


def replace_all(pairs: list[tuple[exp.Expr, exp.Expr]]) -> None:
    """Swap each old node for its new one. Siblings in one list are swapped with a single `set`:
    sqlglot's `replace` re-parents the whole list, so one call per item would be quadratic."""
    lists: dict[tuple[int, str], tuple[exp.Expr, dict[int, exp.Expr]]] = {}
    for old, new in pairs:
        parent, key, index = old.parent, old.arg_key, old.index
        if parent is None or key is None or index is None:
            old.replace(new)
        else:
            lists.setdefault((id(parent), key), (parent, {}))[1][index] = new
    for (_, key), (parent, by_index) in lists.items():
        items = list(parent.args[key])
        for index, new in by_index.items():
            items[index] = new
        parent.set(key, items)


def drop_limit_all(tree: exp.Expr) -> exp.Expr:
    """`LIMIT ALL` means no limit (WAE grammar); ClickHouse has no such spelling."""
    for limit in list(tree.find_all(exp.Limit)):
        count = limit.args.get("expression")
        word = count.this if isinstance(count, exp.Column) else None
        if isinstance(word, exp.Identifier) and not word.quoted and word.name.upper() == "ALL":
            limit.pop()
    return tree


def spell_functions(tree: exp.Expr) -> exp.Expr:
    """Every function name in its documented case: `COUNT()` is `count()`, as ClickHouse names
    result columns after the call as written. `position(n IN h)` and `c ? a : b` become calls."""
    for node in tree.find_all(*FUNCTION_NODES):
        node.set("this", functions.wae_spelling(node.name) or node.name)
    pairs: list[tuple[exp.Expr, exp.Expr]] = []
    for node in list(tree.find_all(exp.StrPosition, exp.If)):
        if isinstance(node, exp.StrPosition):
            name, keys = "position", ("this", "substr", "position")
        elif not isinstance(node.parent, exp.Case):
            name, keys = "if", ("this", "true", "false")
        else:
            continue
        args = [node.args[key] for key in keys if node.args.get(key) is not None]
        pairs.append((node, exp.Anonymous(this=name, expressions=args)))
    replace_all(pairs)
    return tree


def name_renamed_columns(tree: exp.Expr) -> exp.Expr:
    """Keep the name WAE users see on an unaliased column whose function we rename:
    `SELECT length(blob1)` still answers a column called `length(blob1)`."""
    for select in list(tree.find_all(exp.Select)):
        projections = select.expressions
        if any(_needs_name(p) for p in projections):
            select.set("expressions", [_named(p) if _needs_name(p) else p for p in projections])
    return tree


def rewrite_functions(tree: exp.Expr) -> exp.Expr:
    """WAE functions to their ClickHouse equivalents: reshaped calls, then renames."""
    pairs: list[tuple[exp.Expr, exp.Expr]] = []
    for node in list(tree.find_all(*FUNCTION_NODES)):
        reshape = RESHAPES.get(node.name)
        call = reshape(node) if reshape is not None else node
        if isinstance(call, FUNCTION_NODES):
            call.set("this", functions.clickhouse_name(call.name) or call.name)
        if call is not node:
            pairs.append((node, call))
    replace_all(pairs)
    return tree


def _needs_name(projection: exp.Expr) -> bool:
    if not isinstance(projection, FUNCTION_NODES):
        return False
    spelling = projection.name
    return (
        spelling in RESHAPES
        or spelling in DATETIME_STARTS
        or functions.clickhouse_name(spelling) != spelling
        or (spelling in INTEGER_BIT_FUNCTIONS and any(map(_is_double, projection.expressions)))
    )


def _named(projection: exp.Expr) -> exp.Expr:
    name = projection.sql(dialect="clickhouse", comments=False)
    return exp.alias_(projection, name, quoted=True, copy=False)


def _quantile_weighted(node: exp.Expr) -> exp.Expr:
    # quantileWeighted(q, x, w) is WAE's legacy spelling of quantileExactWeighted(q)(x, w)
    # (a Cloudflare engineer in miniflare PR #399).
    if isinstance(node, exp.ParameterizedAgg):
        return node
    args = node.expressions
    if len(args) != 3:
        raise SqlError("quantileWeighted takes 3 arguments: quantileWeighted(q, column, weight)")
    return exp.ParameterizedAgg(this=node.name, expressions=[args[0]], params=args[1:])


def _top_k(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.ParameterizedAgg):
        return node
    return exp.ParameterizedAgg(
        this=node.name,
        expressions=[exp.Literal.number(DEFAULT_TOP_K)],
        params=list(node.expressions),
    )


def _monday_weeks(node: exp.Expr) -> exp.Expr:
    if len(node.expressions) == 1:
        node.append("expressions", exp.Literal.number(MONDAY_MODE))
    return node


def order_aggregate_input(tree: exp.Expr) -> exp.Expr:
    """In an aggregate query without GROUP BY, WAE's ORDER BY orders the rows the aggregates
    read: `SELECT first_value(blob1) FROM ds ORDER BY timestamp ASC` is the oldest blob1 (its
    docs). ClickHouse would order the one result row, and reject `timestamp` there. So the FROM
    is read through a subquery with that ORDER BY, which ClickHouse aggregates as one sorted
    stream (first_value and last_value are order-dependent, so the sort is kept)."""
    for select in list(tree.find_all(exp.Select)):
        order, source = select.args.get("order"), select.args.get("from_")
        if order is None or source is None or select.args.get("group") or select.args.get("joins"):
            continue
        if not _aggregates(select) or not all(
            _orders_input(o.this, select) for o in order.expressions
        ):
            continue
        table = source.this
        alias = table.alias_or_name if isinstance(table, exp.Table) else table.alias
        inner = exp.Select(expressions=[exp.Star()], from_=exp.From(this=table), order=order)
        outer_alias = exp.TableAlias(this=exp.to_identifier(alias)) if alias else None
        select.set("order", None)
        select.set("from_", exp.From(this=exp.Subquery(this=inner, alias=outer_alias)))
    return tree


def _outside_subqueries(node: exp.Expr) -> Iterator[exp.Expr]:
    return node.walk(prune=lambda n: isinstance(n, exp.Query))


def _aggregates(select: exp.Expr) -> bool:
    return any(
        isinstance(n, FUNCTION_NODES) and functions.is_aggregate(n.name)
        for projection in select.expressions
        for n in _outside_subqueries(projection)
    )


def _orders_input(key: exp.Expr, select: exp.Expr) -> bool:
    """Whether an ORDER BY key reads input columns only: no aggregate, no SELECT alias, no
    position."""
    aliases = {p.alias for p in select.expressions if isinstance(p, exp.Alias)}
    nodes = list(_outside_subqueries(key))
    columns = [n for n in nodes if isinstance(n, exp.Column)]
    return bool(columns) and not any(
        (isinstance(n, FUNCTION_NODES) and functions.is_aggregate(n.name))
        or (isinstance(n, exp.Column) and not n.table and n.name in aliases)
        for n in nodes
    )


def datetime_starts(tree: exp.Expr) -> exp.Expr:
    """`toStartOfYear/Quarter/Month/Week(t)` as WAE answers them: a DateTime at midnight."""
    for node in list(tree.find_all(*FUNCTION_NODES)):
        if node.name in DATETIME_STARTS:
            wrapper = exp.Anonymous(this="toDateTime", expressions=[])
            node.replace(wrapper)
            wrapper.set("expressions", [node])
    return tree


def integer_bits(tree: exp.Expr) -> exp.Expr:
    """A double column given to a bit function that needs an integer is read as `toInt64`."""
    for node in list(tree.find_all(*FUNCTION_NODES)):
        if node.name in INTEGER_BIT_FUNCTIONS and any(map(_is_double, node.expressions)):
            node.set(
                "expressions",
                [
                    exp.Anonymous(this="toInt64", expressions=[arg]) if _is_double(arg) else arg
                    for arg in node.expressions
                ],
            )
    return tree


def _is_double(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and bool(_DOUBLE.fullmatch(node.name.lower()))


#: Calls whose shape changes, by WAE spelling.
RESHAPES: Final[dict[str, Callable[[exp.Expr], exp.Expr]]] = {
    "quantileWeighted": _quantile_weighted,
    "topK": _top_k,
    "topKWeighted": _top_k,
    "toStartOfWeek": _monday_weeks,
    "confidenceCount": confidence.confidence_count,
    "confidenceSum": confidence.confidence_sum,
}

TRANSFORMS: Final[tuple[Callable[[exp.Expr], exp.Expr], ...]] = (
    drop_limit_all,
    spell_functions,
    order_aggregate_input,
    name_renamed_columns,
    rewrite_functions,
    datetime_starts,
    integer_bits,
)
