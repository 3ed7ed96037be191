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


#: Points only: the table's bookkeeping rows (billing counters, idempotency records) left out.
POINTS_ONLY = "dataset NOT LIKE '#%'"


async def count(storage: Storage, where: str = "1") -> int:
    found = await rows(
        storage, f"SELECT count() AS n FROM {{db}}.points WHERE {POINTS_ONLY} AND ({where})"
    )
    return int(found[0]["n"])


class InterruptedStorage:
    """The real storage, except that once `allow(n)` is called only the next `n` inserts
    commit and the rest fail, as if the process had died between two inserts."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._left: int | None = None

    def allow(self, inserts: int | None) -> None:
        self._left = inserts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    async def insert_columns(
        self, table: str, columns: Any, data: bytes, *, token: str | None = None
    ) -> None:
        if self._left is not None:
            if self._left <= 0:
                from server.errors import StorageUnavailable

                raise StorageUnavailable("interrupted by the test")
            self._left -= 1
        await self._storage.insert_columns(table, columns, data, token=token)
