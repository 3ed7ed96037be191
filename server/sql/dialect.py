"""The two SQL dialects: `wae` (what Cloudflare's API accepts) and `extended` (the superset).

Both run the same allow-list (`guard.py`) and rewrites; they differ only in the constructs of
`FEATURES`, each found by one small tree check. In `wae` the first one found is a 422 with
WAE's message (where WAE's wording is known); in `extended` the query runs and the names of
all of them travel back with the translation, so the web layer can warn that the query would
fail on Cloudflare.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlglot import exp

from ..errors import BadRequest, SqlRejected
from . import functions
from .guard import position
from .parse import FUNCTION_NODES


class Dialect(StrEnum):
    WAE = "wae"
    EXTENDED = "extended"


#: What the portability warning starts with (the `Usagehouse-Warning` header).
WARNING_PREFIX: Final = "not portable to WAE: "
#: The units WAE's SQL reference documents (its literals page and `extract`); QUARTER and WEEK
#: are ours.
WAE_UNITS: Final = frozenset({"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"})

_SELECTION = "selection used unsupported features: "
_EXPRESSION = "unsupported expression type: "


class Nodes:
    """A checked tree's nodes by class, from one walk: the checks below look nodes up here
    instead of walking the tree once each (the guard admits exact classes only)."""

    def __init__(self, tree: exp.Expr) -> None:
        self.walked = list(tree.walk())
        self._by_class: dict[type[exp.Expr], list[exp.Expr]] = defaultdict(list)
        for node in self.walked:
            self._by_class[type(node)].append(node)

    def of(self, *classes: type[exp.Expr]) -> list[exp.Expr]:
        """The nodes of these classes, in walk order."""
        if len(classes) == 1:
            return self._by_class.get(classes[0], [])
        return [node for node in self.walked if type(node) in classes]


Find = Callable[[Nodes], Iterable[exp.Expr]]


@dataclass(frozen=True, slots=True)
class Feature:
    """A construct WAE rejects. `label` (the warning's name for it) and `message` (WAE's 422)
    may contain `{name}`: the name of the node found (a function, a unit)."""

    label: str
    message: str
    find: Find


def _nodes(*classes: type[exp.Expr]) -> Find:
    return lambda nodes: nodes.of(*classes)


def _clause(node_class: type[exp.Expr], arg: str) -> Find:
    return lambda nodes: (n for n in nodes.of(node_class) if n.args.get(arg))


def _off_list_functions(nodes: Nodes) -> Iterator[exp.Expr]:
    for call in nodes.of(*FUNCTION_NODES):
        if functions.wae_spelling(call.name) not in functions.WAE_FUNCTIONS:
            yield call


def _count_star(nodes: Nodes) -> Iterator[exp.Expr]:
    for call in nodes.of(exp.AnonymousAggFunc):
        if call.name.lower() == "count" and any(isinstance(a, exp.Star) for a in call.expressions):
            yield call


def _inner_queries(nodes: Nodes) -> Iterator[exp.Expr]:
    """Subqueries anywhere but FROM (IN, EXISTS, scalar); UNION and WITH report their own."""
    for select in nodes.of(exp.Select):
        outer: exp.Expr = select
        while isinstance(outer.parent, exp.Subquery):
            outer = outer.parent
        if outer.parent is None or isinstance(outer.parent, exp.Union | exp.CTE):
            continue  # the query itself (`(SELECT ...)` is one in brackets), or a UNION's arm
        if outer is not select and isinstance(outer.parent, exp.From | exp.Join):
            continue
        yield select


def _qualified_tables(nodes: Nodes) -> Iterator[exp.Expr]:
    # The catalog SQL editors read (`system.tables`, `default.<dataset>`: catalog.py).
    return (table for table in nodes.of(exp.Table) if table.args.get("db"))


def _ternaries(nodes: Nodes) -> Iterator[exp.Expr]:
    # sqlglot keeps `c ? a : b` as exp.If; a written `if(...)` is a call, a CASE branch an If
    # under its Case.
    return (n for n in nodes.of(exp.If) if not isinstance(n.parent, exp.Case))


def _units(nodes: Nodes) -> Iterator[exp.Expr]:
    for unit in nodes.of(exp.Var):
        if (
            isinstance(unit.parent, exp.Interval | exp.Extract)
            and unit.name.upper() not in WAE_UNITS
        ):
            yield unit


#: Every construct `extended` accepts and WAE rejects. The messages WAE is known to send are
#: its own (cloudflare/skills PR #87 and users' reports); the others follow their pattern.
FEATURES: Final[tuple[Feature, ...]] = (
    Feature("CASE WHEN", _EXPRESSION + "CASE WHEN", _nodes(exp.Case)),
    # `count(DISTINCT x)` is WAE's; `SELECT DISTINCT` (and `DISTINCT ON`) is not.
    Feature("SELECT DISTINCT", _SELECTION + "SELECT DISTINCT", _clause(exp.Select, "distinct")),
    Feature("JOIN", _SELECTION + "JOIN", _nodes(exp.Join)),
    Feature("UNION", _SELECTION + "UNION", _nodes(exp.Union)),
    Feature("WITH", _SELECTION + "WITH", _nodes(exp.With)),
    Feature("subquery outside FROM", _SELECTION + "subquery outside FROM", _inner_queries),
    Feature("LIMIT BY", _SELECTION + "LIMIT BY", _clause(exp.Limit, "expressions")),
    Feature("GROUP BY ALL", _SELECTION + "GROUP BY ALL", _clause(exp.Group, "all")),
    Feature("* EXCEPT", _SELECTION + "* EXCEPT", _clause(exp.Star, "except_")),
    Feature("* REPLACE", _SELECTION + "* REPLACE", _clause(exp.Star, "replace")),
    Feature(
        "{name}", "unsupported table: {name} (WAE reads a dataset by its name)", _qualified_tables
    ),
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
    nodes = Nodes(tree)
    for feature in FEATURES:
        for node in feature.find(nodes):
            name = _name(node)
            if dialect is Dialect.WAE:
                raise SqlRejected(feature.message.format(name=name), **position(node))
            labels[feature.label.format(name=name)] = None
    return tuple(labels)


def _name(node: exp.Expr) -> str:
    if isinstance(node, FUNCTION_NODES):
        return functions.wae_spelling(node.name) or node.name
    if isinstance(node, exp.Table):
        return f"{node.text('db')}.{node.name}"
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
