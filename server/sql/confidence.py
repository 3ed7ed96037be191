"""Error bounds for sample-weighted counts and sums: `confidenceCount([level])` and
`confidenceSum(expr[, level])` (our extension; WAE's SQL API has none, its GraphQL API has
`confidence(level)` with the same four fields).

Each becomes a named tuple `(estimate, lower, upper, sample_size)` computed in one pass with
server/estimates.py's formulas. A count's lower bound is at least the rows actually read.
Exact results have zero-width intervals.
"""

from __future__ import annotations

from typing import Final

import sqlglot
from sqlglot import exp

from ..errors import SqlError
from ..estimates import estimate_sql, variance_sql, z_score

DEFAULT_LEVEL: Final = 0.95
RESULT_TYPE: Final = "Tuple(estimate Float64, lower Float64, upper Float64, sample_size UInt64)"


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
    z = repr(z_score(level))
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
    return _build(estimate_sql(), variance_sql(), level, clamp_to_rows=True)


def confidence_sum(node: exp.Expr) -> exp.Expr:
    """confidenceSum(expr[, level]): the sample-weighted sum of expr with its interval."""
    args = node.expressions
    if not 1 <= len(args) <= 2:
        raise SqlError("confidenceSum takes one or two arguments: confidenceSum(double1, 0.95)")
    level = _level(args[1] if len(args) == 2 else None, "confidenceSum")
    y = f"toFloat64({args[0].sql(dialect='clickhouse', comments=False)})"
    return _build(estimate_sql(y), variance_sql(y), level, clamp_to_rows=False)
