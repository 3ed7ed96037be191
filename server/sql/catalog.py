"""The account's own catalog, as the ClickHouse metadata tables that SQL editors read.

The Altinity Grafana plugin fills its database and table pickers, its timestamp-column choices
and its ad hoc filter keys from `system.databases`, `system.tables` and `system.columns`. Those
three names (and no other `system` table) resolve to subqueries over this account only: one
database, `default`, whose tables are the account's datasets and whose columns are the WAE
columns of each. `default.<dataset>` names a dataset, as the plugin's `$table` macro writes it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from sqlglot import exp

from ..storage.schema import BOOKKEEPING_DATASETS, TABLE, WAE_COLUMN_TYPES, WAE_COLUMNS

#: The one database the catalog shows; `default.<dataset>` is the dataset.
DATABASE: Final = "default"
SYSTEM: Final = "system"


def _literal(value: str) -> str:
    return exp.Literal.string(value).sql(dialect="clickhouse")


def datasets_sql(account_id: str, database: str) -> str:
    """The account's datasets that hold rows, one per row in a column `dataset` (not the
    write path's bookkeeping rows, which share the points table)."""
    points = exp.table_(TABLE, db=database).sql(dialect="clickhouse")
    hidden = ", ".join(_literal(name) for name in BOOKKEEPING_DATASETS)
    return (
        f"SELECT DISTINCT _points.dataset AS dataset FROM {points} AS _points "
        f"WHERE _points.account_id = {_literal(account_id)} AND _points.dataset NOT IN ({hidden})"
    )


def _databases(account_id: str, database: str) -> str:
    return f"SELECT {_literal(DATABASE)} AS name"


def _tables(account_id: str, database: str) -> str:
    return (
        f"SELECT {_literal(DATABASE)} AS database, dataset AS name "
        f"FROM ({datasets_sql(account_id, database)})"
    )


def _columns(account_id: str, database: str) -> str:
    described = ", ".join(
        f"({_literal(name)}, {_literal(WAE_COLUMN_TYPES[name])}, {position})"
        for position, name in enumerate(WAE_COLUMNS, 1)
    )
    return (
        f"SELECT {_literal(DATABASE)} AS database, dataset AS `table`, _column.1 AS name, "
        f"_column.2 AS type, toUInt64(_column.3) AS position "
        f"FROM ({datasets_sql(account_id, database)}) ARRAY JOIN [{described}] AS _column"
    )


#: The `system` tables a query may name, each as the SQL of the account's rows.
TABLES: Final = {"databases": _databases, "tables": _tables, "columns": _columns}


def is_catalog_table(db: str, name: str) -> bool:
    """Whether `db.name` is one of the catalog's system tables (case-sensitive, as ClickHouse's
    database and table names are)."""
    return db == SYSTEM and name in TABLES


@lru_cache(maxsize=1024)
def catalog_sql(name: str, account_id: str, database: str) -> str:
    """The subquery `system.<name>` stands for, for this account."""
    return TABLES[name](account_id, database)
