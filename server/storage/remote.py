"""A ClickHouse server over HTTP (clickhouse-connect): how compose runs and how users scale.

The client is synchronous, so calls run on a small thread pool; sessions are disabled so
concurrent queries do not collide on one ClickHouse session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypedDict
from urllib.parse import unquote, urlsplit

from ..errors import AppError, StorageUnavailable
from . import QuerySettings, schema
from .errors import query_error

POOL_THREADS = 8


class ServerAddress(TypedDict):
    """clickhouse-connect's connection arguments, plus the database the schema lives in."""

    host: str
    port: int
    username: str
    password: str
    secure: bool
    database: str


def parse_url(url: str) -> ServerAddress:
    """`http(s)://user:pass@host:port/database` -> clickhouse-connect keyword arguments."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"USAGEHOUSE_STORAGE URL must be http(s)://user:pass@host:port/db: {url}")
    database = parts.path.strip("/") or "default"
    if not database.replace("_", "").isalnum():
        raise ValueError(f"USAGEHOUSE_STORAGE database name {database!r} is not a plain name")
    return {
        "host": parts.hostname,
        "port": parts.port or (8443 if parts.scheme == "https" else 8123),
        "username": unquote(parts.username or "default"),
        "password": unquote(parts.password or ""),
        "secure": parts.scheme == "https",
        "database": database,
    }


def _is_connection_error(e: Exception) -> bool:
    from clickhouse_connect.driver.exceptions import OperationalError

    return isinstance(e, OperationalError) and "Code:" not in str(e)


class RemoteStorage:
    """Storage on a ClickHouse server reached over HTTP."""

    def __init__(self, client: Any, database: str, host: str) -> None:
        self.database = database
        self.description = f"ClickHouse server at {host}, database {database}"
        self._client = client
        self._executor = ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="ch")

    @classmethod
    async def open(cls, url: str, retention_days: int) -> RemoteStorage:
        """Connect, create the database and table if missing, and migrate the TTL."""
        try:
            address = parse_url(url)
        except ValueError as e:
            raise StorageUnavailable(str(e)) from e
        host, database = address["host"], address["database"]

        def _connect() -> Any:
            import clickhouse_connect

            # The schema's database may not exist yet: connect to `default`, name it in SQL.
            return clickhouse_connect.get_client(
                host=host,
                port=address["port"],
                username=address["username"],
                password=address["password"],
                secure=address["secure"],
                database="default",
                autogenerate_session_id=False,
            )

        try:
            client = await asyncio.get_running_loop().run_in_executor(None, _connect)
        except Exception as e:
            raise StorageUnavailable(f"cannot reach ClickHouse at {host}: {e}") from e
        storage = cls(client, database, f"{host}:{address['port']}")
        await schema.migrate(storage, database, retention_days)
        return storage

    async def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def insert_columns(self, table: str, columns: Sequence[str], data: bytes) -> None:
        try:
            await self._run(
                self._client.raw_insert,
                f"{self.database}.{table}",
                list(columns),
                insert_block=data,
                fmt="JSONCompactColumns",
            )
        except Exception as e:
            raise StorageUnavailable(f"insert failed: {e}") from e

    async def query(
        self, sql: str, fmt: str = "JSON", settings: QuerySettings | None = None
    ) -> bytes:
        try:
            data: bytes = await self._run(
                self._client.raw_query, sql, settings=dict(settings or {}), fmt=fmt
            )
        except AppError:
            raise
        except Exception as e:
            if _is_connection_error(e):
                raise StorageUnavailable(f"ClickHouse unreachable: {e}") from e
            raise query_error(str(e)) from e
        return data

    async def command(self, sql: str) -> None:
        try:
            await self._run(self._client.command, sql)
        except Exception as e:
            raise StorageUnavailable(f"storage command failed: {e}") from e

    async def ping(self) -> None:
        ok = await self._run(self._client.ping)
        if not ok:
            raise StorageUnavailable("ClickHouse does not answer ping")

    async def close(self) -> None:
        await self._run(self._client.close)
        self._executor.shutdown(wait=False)
