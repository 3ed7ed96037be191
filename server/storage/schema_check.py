"""Checks that an existing points table has the columns this server reads and writes, so a
table created by hand or by another version fails at start with what differs, not later."""

from __future__ import annotations

import orjson

from ..errors import StorageUnavailable
from . import Storage, schema, sql_string

#: Column -> type as SQL sees it (LowCardinality is storage detail: it is unwrapped).
REQUIRED_TYPES: dict[str, str] = {"account_id": "String", **schema.WAE_COLUMN_TYPES}
#: Columns the writer inserts into, whatever their type (the EPHEMERAL arrays, `_batch`).
REQUIRED_COLUMNS = tuple(c for c in schema.INSERT_COLUMNS if c not in REQUIRED_TYPES)


def _unwrapped(kind: str) -> str:
    if kind.startswith("LowCardinality(") and kind.endswith(")"):
        return kind[len("LowCardinality(") : -1]
    return kind


def differences(columns: dict[str, str]) -> list[str]:
    """What `columns` (name -> ClickHouse type) lacks or types differently, one phrase each."""
    found = []
    for name, kind in REQUIRED_TYPES.items():
        if name not in columns:
            found.append(f"{name} is missing")
        elif _unwrapped(columns[name]) != kind:
            found.append(f"{name} is {columns[name]}, expected {kind}")
    found.extend(f"{name} is missing" for name in REQUIRED_COLUMNS if name not in columns)
    return found


async def check_points_table(storage: Storage, database: str, table: str = schema.TABLE) -> None:
    """Raise StorageUnavailable naming every difference if `database.table` (the table that
    stores points: `points_local` on a cluster) exists and does not match; a missing table is
    fine (the migration creates it)."""
    data = await storage.query(
        "SELECT name, type FROM system.columns "
        f"WHERE database = {sql_string(database)} AND table = {sql_string(table)}",
        "JSONCompactEachRow",
        lane="write",
    )
    columns: dict[str, str] = dict(orjson.loads(line) for line in data.splitlines())
    problems = differences(columns) if columns else []
    if problems:
        raise StorageUnavailable(
            f"table {database}.{table} does not match this server: "
            + "; ".join(problems)
            + " (`usagehouse schema` prints the expected DDL)"
        )
