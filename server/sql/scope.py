"""Datasets are tables: each table reference becomes the account's slice of the points table.

`FROM my_dataset AS t` becomes `FROM (SELECT <the WAE columns the query names> FROM db.points
AS _points PREWHERE _points.account_id = '<account>' AND _points.dataset = 'my_dataset') AS t`,
keeping the user's name or alias so qualified columns still resolve; `default.my_dataset` is the
same dataset, and `system.tables` (`databases`, `columns`) the account's catalog (`catalog.py`).
A CTE name shadows a dataset; CTEs are renamed to a reserved prefix so a reference ClickHouse
resolves differently from us fails instead of reading a real table. After the rewrite, every
table in the query is ours or a renamed CTE.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from sqlglot import exp

from ..errors import SqlRejected
from ..names import DATASET_NAME
from ..storage.schema import TABLE, WAE_COLUMNS
from . import catalog

#: Internal CTE names; a reference that ClickHouse cannot match to a CTE names no real table.
CTE_PREFIX: Final = "__usagehouse_cte_"
#: Alias of the points table inside the scoped subquery; the filters use qualified names so no
#: user alias (ClickHouse propagates `WITH` aliases into subqueries) can stand in for them.
POINTS_ALIAS: Final = "_points"
_SCOPED: Final = "usagehouse_scoped"
#: Each reference expands to a ~700-character subquery; ClickHouse's max_query_size is 1 MiB.
MAX_TABLE_REFERENCES: Final = 64


def scope_datasets(
    tree: exp.Expr, *, account_id: str, database: str, source: str = TABLE
) -> exp.Expr:
    """Replace every dataset reference in the tree by the account's scoped subquery of
    `database.source` (the points table, or one of its coarser copies: schema.RESOLUTIONS)."""
    tables = list(tree.find_all(exp.Table))
    if len(tables) > MAX_TABLE_REFERENCES:
        raise SqlRejected(f"query names {len(tables)} tables (the limit is {MAX_TABLE_REFERENCES})")
    ctes = list(tree.find_all(exp.CTE))
    columns = _named_columns(tree)
    for table in tables:
        alias = table.args.get("alias")
        name = alias.this if alias else table.this
        db = table.args.get("db")
        if db is not None and catalog.is_catalog_table(db.name, table.name):
            sql = catalog.catalog_sql(table.name, account_id, database)
            table.replace(_subquery(sql, name))
        elif db is None and table.name in _visible_ctes(table):
            renamed = exp.Table(this=exp.to_identifier(CTE_PREFIX + table.name, quoted=True))
            renamed.set("alias", exp.TableAlias(this=name.copy()))
            table.replace(renamed)
        else:  # a dataset, by its plain name or as default.<name> (guard.py checked the db)
            if not DATASET_NAME.fullmatch(table.name):
                # No dataset can have such a name; the points table's bookkeeping rows do.
                raise SqlRejected(
                    f"{table.name[:80]!r} is not a dataset name: datasets are named with "
                    "1-64 characters from A-Z a-z 0-9 _ -, starting with a letter or underscore"
                )
            scoped = _scoped_sql(table.name, account_id, database, source, columns)
            table.replace(_subquery(scoped, name))
    for cte in ctes:
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(CTE_PREFIX + cte.alias, True)))
    _verify(tree)
    return tree


def _named_columns(tree: exp.Expr) -> tuple[str, ...]:
    """The WAE columns the query can reach, in WAE order: all of them under a `*` (but not
    `count(*)`), else those it names anywhere (any identifier counts, so this is a superset;
    a column left out can only make a query fail, never read another's rows). ClickHouse
    analysed a subquery of all 44 for about 1 ms more than one of the 4 the recipe's queries
    name (benchmarks/query.py)."""
    if any(not _counts_rows(star) for star in tree.find_all(exp.Star)):
        return WAE_COLUMNS
    names = {node.name for node in tree.find_all(exp.Identifier, exp.Var)}
    return tuple(c for c in WAE_COLUMNS if c in names) or ("timestamp",)


def _counts_rows(star: exp.Star) -> bool:
    """`count(*)`: a star that reads no column."""
    parent = star.parent
    if isinstance(parent, exp.Count):
        return True
    return isinstance(parent, exp.AnonymousAggFunc) and parent.name.lower() == "count"


def _visible_ctes(table: exp.Expr) -> set[str]:
    """Names of the query CTEs in scope at `table`: an enclosing query's CTEs, or, inside a
    CTE's own body, the CTEs defined before it."""
    names: set[str] = set()
    node = table
    while (parent := node.parent) is not None:
        if isinstance(node, exp.CTE) and isinstance(parent, exp.With):
            earlier = parent.expressions[: node.index]
            names.update(cte.alias for cte in earlier if isinstance(cte.this, exp.Query))
        elif not isinstance(node, exp.With) and isinstance(
            with_ := parent.args.get("with_"), exp.With
        ):
            names.update(cte.alias for cte in with_.expressions if isinstance(cte.this, exp.Query))
        node = parent
    return names


def _subquery(sql: str, alias: exp.Identifier) -> exp.Expr:
    # The subquery is rendered once per (table, account, database) and carried as raw SQL
    # (exp.Var renders verbatim): building and generating 44 columns per query cost ~2 ms.
    body = exp.Var(this=sql)
    body.meta[_SCOPED] = True
    return exp.Subquery(this=body, alias=exp.TableAlias(this=alias.copy()))


@lru_cache(maxsize=4096)
def _scoped_sql(
    dataset: str, account_id: str, database: str, source: str, columns: tuple[str, ...]
) -> str:
    points = exp.Table(
        this=exp.to_identifier(source),
        db=exp.to_identifier(database),
        alias=exp.TableAlias(this=exp.to_identifier(POINTS_ALIAS)),
    )
    account = exp.Literal.string(account_id)
    name = exp.Literal.string(dataset)
    condition = exp.and_(
        exp.EQ(this=exp.column("account_id", POINTS_ALIAS), expression=account),
        exp.EQ(this=exp.column("dataset", POINTS_ALIAS), expression=name),
    )
    # PREWHERE, not WHERE, for the account's slice (the same rows): recipe query 3 took
    # 0.5-1.9 ms less at 1M and 10M points, a filter on a double 11-27 % less, a time-range
    # scan 2-3 % more (same answers, measured in one process). Users cannot write PREWHERE
    # (guard.py).
    select = exp.select(*(exp.column(c) for c in columns)).from_(points)
    select.set("prewhere", exp.PreWhere(this=condition))
    return select.sql(dialect="clickhouse")


def _verify(tree: exp.Expr) -> None:
    """Defence in depth: the only tables left are renamed CTEs, the only raw SQL is ours."""
    for table in tree.find_all(exp.Table):
        if table.args.get("db") or not table.name.startswith(CTE_PREFIX):
            raise AssertionError(f"unscoped table reference {table.sql()}")
    for var in tree.find_all(exp.Var):
        if isinstance(var.parent, exp.Subquery) and var.meta.get(_SCOPED) is not True:
            raise AssertionError(f"raw SQL that is not a scoped dataset: {var.sql()}")
