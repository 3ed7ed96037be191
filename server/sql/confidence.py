"""Error bounds for sample-weighted counts and sums: `confidenceCount([level])` and
`confidenceSum(expr[, level])` (our extension; WAE's SQL API has none, its GraphQL API has
`confidence(level)` with the same four fields).

Each becomes a named tuple `(estimate, lower, upper, sample_size)` computed in one pass:
Horvitz-Thompson estimate `sum(w*y)`, variance estimate `sum(w*(w-1)*y^2)` (rows stored
exactly, w = 1, add nothing), normal interval `estimate ± z*sqrt(variance)`. A count's lower
bound is at least the rows actually read. Exact results have zero-width intervals.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Final

import sqlglot
from sqlglot import exp

from server.errors import SqlError

DEFAULT_LEVEL: Final = 0.95
RESULT_TYPE: Final = "Tuple(estimate Float64, lower Float64, upper Float64, sample_size UInt64)"
_W: Final = "toFloat64(_sample_interval)"


def _z(level: float) -> float:
    return NormalDist().inv_cdf((1 + level) / 2)


def _level(node: exp.Expr | None, name: str) -> float:
    if node is None:
        return DEFAULT_LEVEL
    if not isinstance(node, exp.Literal) or node.is_string:
        raise SqlError(f"{name}: the confidence level must be a number such as 0.95")
    level = float(node.this)
    if not 0 < level < 1:
        raise SqlError(f"{name}: the confidence level must be between 0 and 1, e.g. 0.95")
    return level


def _build(estimate: str, variance: str, level: float, clamp_to_rows: bool) -> exp.Expr:
    z = repr(_z(level))
    lower = f"{estimate} - {z} * sqrt({variance})"
    if clamp_to_rows:
        lower = f"greatest(toFloat64(count()), {lower})"
    sql = (
        f"CAST(tuple(toFloat64({estimate}), {lower}, {estimate} + {z} * sqrt({variance}), "
        f"count()), '{RESULT_TYPE}')"
    )
    return sqlglot.parse_one(sql, read="clickhouse")


def confidence_count(node: exp.Expr) -> exp.Expr:
    """confidenceCount([level]): the sample-weighted event count with its interval."""
    args = node.expressions
    if len(args) > 1:
        raise SqlError("confidenceCount takes at most one argument: confidenceCount(0.95)")
    level = _level(args[0] if args else None, "confidenceCount")
    return _build(f"sum({_W})", f"sum({_W} * ({_W} - 1))", level, clamp_to_rows=True)


def confidence_sum(node: exp.Expr) -> exp.Expr:
    """confidenceSum(expr[, level]): the sample-weighted sum of expr with its interval."""
    args = node.expressions
    if not 1 <= len(args) <= 2:
        raise SqlError("confidenceSum takes one or two arguments: confidenceSum(double1, 0.95)")
    level = _level(args[1] if len(args) == 2 else None, "confidenceSum")
    y = f"toFloat64({args[0].sql(dialect='clickhouse', comments=False)})"
    return _build(f"sum({_W} * {y})", f"sum({_W} * ({_W} - 1) * {y} * {y})", level, False)
