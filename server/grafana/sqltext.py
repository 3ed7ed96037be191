"""Safe pieces of WAE SQL built from request values: dataset identifiers, literals, the column
table, and ad hoc filters rendered as conditions.

Request values never reach SQL text except through `string_literal` (sqlglot's own escaping) or
`number_literal` (a parsed finite float); names are checked against fixed tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

from sqlglot import exp

from ..errors import BadRequest
from ..names import DATASET_NAME
from ..sql.parse import DIALECT
from ..storage.schema import BLOB_COLUMNS, DOUBLE_COLUMNS
from .protocol import Filter

#: The columns Grafana may name (group by, tag keys, ad hoc filters), with their Grafana type.
COLUMNS: Final[dict[str, str]] = {
    "index1": "string",
    **{c: "string" for c in BLOB_COLUMNS},
    **{c: "number" for c in DOUBLE_COLUMNS},
}


def string_literal(value: str) -> str:
    return exp.Literal.string(value).sql(dialect=DIALECT)


def number_literal(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        raise BadRequest(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise BadRequest(f"{value!r} is not a finite number")
    return repr(number)


def dataset(name: str) -> str:
    """A dataset name as a quoted identifier; names outside WAE's grammar are refused."""
    if not DATASET_NAME.fullmatch(name):
        raise BadRequest(f"{name!r} is not a dataset name ({DATASET_NAME.pattern})")
    return exp.to_identifier(name, quoted=True).sql(dialect=DIALECT)


def column(name: str) -> str:
    """A column name from the fixed table (case-insensitive), in its canonical spelling."""
    canonical = name.strip().lower()
    if canonical not in COLUMNS:
        raise BadRequest(
            f"{name!r} is not a column: use index1, blob1..blob20 or double1..double20"
        )
    return canonical


def _literal(name: str, value: str) -> str:
    return number_literal(value) if COLUMNS[name] == "number" else string_literal(value)


def _compare(operator: str) -> Callable[[str, Filter], str]:
    return lambda name, f: f"{name} {operator} {_literal(name, f.value)}"


def _regex(negate: bool) -> Callable[[str, Filter], str]:
    # re2 (linear time); unanchored, as the Altinity plugin renders `=~`.
    def render(name: str, f: Filter) -> str:
        subject = name if COLUMNS[name] == "string" else f"toString({name})"
        condition = f"match({subject}, {string_literal(f.value)})"
        return f"NOT {condition}" if negate else condition

    return render


def _one_of(negate: bool) -> Callable[[str, Filter], str]:
    # Grafana 11's multi-value operators send `values`; fall back to `value`.
    def render(name: str, f: Filter) -> str:
        values = f.values or (f.value,)
        items = ", ".join(_literal(name, v) for v in values)
        return f"{name} {'NOT IN' if negate else 'IN'} ({items})"

    return render


#: Grafana's ad hoc operators -> renderers.
OPERATORS: Final[dict[str, Callable[[str, Filter], str]]] = {
    "=": _compare("="),
    "!=": _compare("!="),
    "<": _compare("<"),
    ">": _compare(">"),
    "<=": _compare("<="),
    ">=": _compare(">="),
    "=~": _regex(negate=False),
    "!~": _regex(negate=True),
    "=|": _one_of(negate=False),
    "!=|": _one_of(negate=True),
}


def condition(filters: tuple[Filter, ...]) -> str | None:
    """The filters ANDed into one condition, or None when there are none."""
    parts = []
    for f in filters:
        render = OPERATORS.get(f.operator)
        if render is None:
            raise BadRequest(
                f"ad hoc operator {f.operator!r} is not supported; use one of "
                + ", ".join(OPERATORS)
            )
        parts.append(f"({render(column(f.key), f)})")
    return " AND ".join(parts) or None
