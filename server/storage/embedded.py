"""Embedded ClickHouse (chDB) in this process: the zero-setup default.

chDB calls block and chDB serialises them internally, so every call runs on one dedicated
thread, never on the event loop. chDB allows one data directory per process at a time.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import AppError, StorageUnavailable
from . import QuerySettings, schema
from .errors import query_error

DATABASE = "usagehouse"
DRAIN_ATTEMPTS = 5
BROKEN = "embedded storage did not recover from a failed query; restart the server"


def render_settings(settings: QuerySettings | None) -> str:
    """A trailing SETTINGS clause; keys and values come from our code, never from users."""
    if not settings:
        return ""
    parts = []
    for key, value in settings.items():
        if not key.replace("_", "").isalnum():
            raise ValueError(f"bad setting name {key!r}")
        rendered = f"'{value}'" if isinstance(value, str) else repr(value)
        parts.append(f"{key} = {rendered}")
    return " SETTINGS " + ", ".join(parts)


class EmbeddedStorage:
    """Storage on a chDB session rooted at a local directory."""

    database = DATABASE

    def __init__(self, path: str, session: Any, executor: ThreadPoolExecutor) -> None:
        self.path = path
        self.description = f"embedded chDB at {path}"
        self._session = session
        self._executor = executor
        self._closed = False
        self._broken = False

    @classmethod
    async def open(cls, path: str, retention_days: int) -> EmbeddedStorage:
        """Open (creating if needed) the data directory and migrate its schema."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chdb")
        loop = asyncio.get_running_loop()

        def _open() -> tuple[str, Any]:
            from chdb import session as chdb_session

            full = os.path.abspath(path)
            os.makedirs(full, exist_ok=True)
            return full, chdb_session.Session(full)  # type: ignore[no-untyped-call]

        try:
            path, session = await loop.run_in_executor(executor, _open)
        except Exception as e:
            executor.shutdown(wait=False)
            raise StorageUnavailable(f"cannot open embedded storage at {path}: {e}") from e
        storage = cls(path, session, executor)
        await schema.migrate(storage, DATABASE, retention_days)
        return storage

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self._closed:
            raise StorageUnavailable("storage is closed")
        if self._broken:
            raise StorageUnavailable(BROKEN)
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _insert_sync(self, sql: str, data: bytes) -> None:
        try:
            with self._session.send_insert(sql, "JSONCompactColumns") as inserter:
                inserter.append(data)
                inserter.finish()
        except Exception:
            self._drain()
            raise

    async def insert_columns(self, table: str, columns: Sequence[str], data: bytes) -> None:
        sql = f"INSERT INTO {DATABASE}.{table} ({', '.join(columns)})"
        try:
            await self._run(self._insert_sync, sql, data)
        except AppError:
            raise
        except Exception as e:
            raise StorageUnavailable(f"insert failed: {e}") from e

    def _query_sync(self, sql: str, fmt: str) -> bytes:
        try:
            result = self._session.query(sql, fmt)
        except Exception:
            self._drain()
            raise
        data: bytes = result.bytes()
        return data

    def _drain(self) -> None:
        """chDB 4.4 hands the partial output of a failed query to the session's next query
        (reproduced with max_result_rows overflows), which could leak one account's rows into
        another's answer. Flush it with probe queries until a probe answers cleanly."""
        for _ in range(DRAIN_ATTEMPTS):
            try:
                if self._session.query("SELECT 1", "TabSeparated").bytes() == b"1\n":
                    return
            except Exception:
                continue
        # Serving on could hand leftover rows to the next caller: refuse everything instead.
        self._broken = True
        raise StorageUnavailable(BROKEN)

    async def query(
        self, sql: str, fmt: str = "JSON", settings: QuerySettings | None = None
    ) -> bytes:
        try:
            data: bytes = await self._run(self._query_sync, sql + render_settings(settings), fmt)
        except AppError:
            raise
        except Exception as e:
            raise query_error(str(e)) from e
        return data

    async def command(self, sql: str) -> None:
        try:
            await self._run(self._query_sync, sql, "TabSeparated")
        except AppError:
            raise
        except Exception as e:
            raise StorageUnavailable(f"storage command failed: {e}") from e

    async def ping(self) -> None:
        await self.command("SELECT 1")

    async def close(self) -> None:
        if self._closed:
            return
        await self._run(self._session.close)
        self._closed = True
        self._executor.shutdown(wait=False)
