"""Small helpers shared by tests: querying storage directly."""

from __future__ import annotations

from typing import Any

import orjson

from server.storage import Storage


async def rows(storage: Storage, sql: str) -> list[dict[str, Any]]:
    """Run SQL on storage (not through the SQL API) and return the rows as dicts."""
    sql = sql.replace("{db}", storage.database)
    data = await storage.query(sql, "JSONEachRow")
    return [orjson.loads(line) for line in data.splitlines() if line.strip()]


async def count(storage: Storage, where: str = "1") -> int:
    found = await rows(storage, f"SELECT count() AS n FROM {{db}}.points WHERE {where}")
    return int(found[0]["n"])
