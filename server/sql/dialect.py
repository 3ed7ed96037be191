"""The two SQL dialects: `wae` (what Cloudflare's API accepts) and `extended` (the superset).

Both run the same allow-list (`guard.py`) and rewrites; they differ only in the constructs of
`FEATURES`, each found by one small tree check. In `wae` the first one found is a 422 with
WAE's message (where WAE's wording is known); in `extended` the query runs and the names of
all of them travel back with the translation, so the web layer can warn that the query would
fail on Cloudflare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlglot import exp

from server.errors import BadRequest, SqlRejected
from server.sql import functions
from server.sql.guard import position
from server.sql.parse import FUNCTION_NODES


class Dialect(StrEnum):
    WAE = "wae"
    EXTENDED = "extended"


#: What the portability warning starts with (the `Usagehouse-Warning` header).
WARNING_PREFIX: Final = "not portable to WAE: "
#: WAE's documented units (reference: literals and `extract`); QUARTER and WEEK are ours.
WAE_UNITS: Final = frozenset({"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"})

_SELECTION = "selection used unsupported features: "
_EXPRESSION = "unsupported expression type: "

Find = Callable[[exp.Expr], Iterator[exp.Expr]]


@dataclass(frozen=True, slots=True)
class Feature:
    """A construct WAE rejects. `label` (the warning's name for it) and `message` (WAE's 422)
    may contain `{name}`: the name of the node found (a function, a unit)."""

    label: str
    message: str
    find: Find


def _nodes(*kinds: type[exp.Expr]) -> Find:
    return lambda tree: tree.find_all(*kinds)


def _row_distinct(tree: exp.Expr) -> Iterator[exp.Expr]:
    # `count(DISTINCT x)` is WAE's; `SELECT DISTINCT` (and `DISTINCT ON`) is not.
    return (s for s in tree.find_all(exp.Select) if s.args.get("distinct"))


def _off_list_functions(tree: exp.Expr) -> Iterator[exp.Expr]:
    for call in tree.find_all(*FUNCTION_NODES):
        if functions.wae_spelling(call.name) not in functions.WAE_FUNCTIONS:
            yield call


def _count_star(tree: exp.Expr) -> Iterator[exp.Expr]:
    for call in tree.find_all(exp.AnonymousAggFunc):
        if call.name.lower() == "count" and any(isinstance(a, exp.Star) for a in call.expressions):
            yield call


def _inner_queries(tree: exp.Expr) -> Iterator[exp.Expr]:
    """Subqueries anywhere but FROM (IN, EXISTS, scalar); UNION and WITH report their own."""
    for select in tree.find_all(exp.Select):
        outer: exp.Expr = select
        while isinstance(outer.parent, exp.Subquery):
            outer = outer.parent
        if outer.parent is None or isinstance(outer.parent, exp.Union | exp.CTE):
            continue  # the query itself (`(SELECT ...)` is one in brackets), or a UNION's arm
        if outer is not select and isinstance(outer.parent, exp.From | exp.Join):
            continue
        yield select


def _ternaries(tree: exp.Expr) -> Iterator[exp.Expr]:
    # sqlglot keeps `c ? a : b` as exp.If; a written `if(...)` is a call, a CASE branch an If
    # under its Case.
    return (n for n in tree.find_all(exp.If) if not isinstance(n.parent, exp.Case))


def _units(tree: exp.Expr) -> Iterator[exp.Expr]:
    for unit in tree.find_all(exp.Var):
        if (
            isinstance(unit.parent, exp.Interval | exp.Extract)
            and unit.name.upper() not in WAE_UNITS
        ):
            yield unit


def _clause(node_type: type[exp.Expr], arg: str) -> Find:
    return lambda tree: (n for n in tree.find_all(node_type) if n.args.get(arg))


#: Every construct `extended` accepts and WAE rejects. The messages WAE is known to send are
#: its own (cloudflare/skills PR #87 and users' reports); the others follow their pattern.
FEATURES: Final[tuple[Feature, ...]] = (
    Feature("CASE WHEN", _EXPRESSION + "CASE WHEN", _nodes(exp.Case)),
    Feature("SELECT DISTINCT", _SELECTION + "SELECT DISTINCT", _row_distinct),
    Feature("JOIN", _SELECTION + "JOIN", _nodes(exp.Join)),
    Feature("UNION", _SELECTION + "UNION", _nodes(exp.Union)),
    Feature("WITH", _SELECTION + "WITH", _nodes(exp.With)),
    Feature("subquery outside FROM", _SELECTION + "subquery outside FROM", _inner_queries),
    Feature("LIMIT BY", _SELECTION + "LIMIT BY", _clause(exp.Limit, "expressions")),
    Feature("GROUP BY ALL", _SELECTION + "GROUP BY ALL", _clause(exp.Group, "all")),
    Feature("* EXCEPT", _SELECTION + "* EXCEPT", _clause(exp.Star, "except_")),
    Feature("* REPLACE", _SELECTION + "* REPLACE", _clause(exp.Star, "replace")),
    Feature("count(*)", _EXPRESSION + "count(*) (write count())", _count_star),
    Feature("{name}", "unsupported function: {name}", _off_list_functions),
    Feature("?:", _EXPRESSION + "?: (write if(cond, then, else))", _ternaries),
    Feature("CAST", _EXPRESSION + "CAST", _nodes(exp.Cast)),
    Feature("NULL", _EXPRESSION + "NULL", _nodes(exp.Null)),
    Feature("||", _EXPRESSION + "||", _nodes(exp.DPipe)),
    Feature("arrays", _EXPRESSION + "array", _nodes(exp.Array, exp.Bracket)),
    Feature("tuples", _EXPRESSION + "tuple", _nodes(exp.Tuple)),
    Feature("<=>", _EXPRESSION + "<=>", _nodes(exp.NullSafeEQ, exp.NullSafeNEQ)),
    Feature("ESCAPE", _EXPRESSION + "LIKE ... ESCAPE", _nodes(exp.Escape)),
    Feature(
        "{name} unit",
        "unsupported time unit: {name} (WAE has YEAR, MONTH, DAY, HOUR, MINUTE and SECOND)",
        _units,
    ),
)


def check(tree: exp.Expr, dialect: Dialect) -> tuple[str, ...]:
    """The labels of the WAE-unsupported constructs in a checked tree, in `FEATURES` order;
    in the `wae` dialect, the first one raises SqlRejected with WAE's message instead."""
    labels: dict[str, None] = {}
    for feature in FEATURES:
        for node in feature.find(tree):
            name = _name(node)
            if dialect is Dialect.WAE:
                raise SqlRejected(feature.message.format(name=name), **position(node))
            labels[feature.label.format(name=name)] = None
    return tuple(labels)


def _name(node: exp.Expr) -> str:
    if isinstance(node, FUNCTION_NODES):
        return functions.wae_spelling(node.name) or node.name
    return node.name.upper() if isinstance(node, exp.Var) else node.name


def warning(labels: tuple[str, ...]) -> str:
    """The warning for a query `wae` would reject, naming what it uses."""
    return WARNING_PREFIX + ", ".join(labels)


def parse_dialect(value: str, where: str) -> Dialect:
    """A dialect a request or a command asked for by name; `where` says where it came from."""
    try:
        return Dialect(value.strip().lower())
    except ValueError:
        choices = " or ".join(d.value for d in Dialect)
        raise BadRequest(f"{where} must be {choices}, not {value[:40]!r}") from None
