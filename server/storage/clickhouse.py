"""The one storage class: ClickHouse through clickhouse-connect, in this process (chDB's
backend, on a data directory) or on a server (`http(s)://user:pass@host:port/db`).

Work runs in lanes, each a few clients on threads of their own. Inserts, DDL, pings and the
write path's own lookups use the write lane, which user queries never touch: a write never
waits behind a query. User queries share the query lane's `query_connections` clients.
"""

from __future__ import annotations

import asyncio
import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, TypeVar
from urllib.parse import unquote, urlsplit

from ..config import SERVER_SCHEMES, Settings
from ..errors import AppError, InsertOutcomeUnknown, StorageUnavailable
from . import DEFAULT_DATABASE, LaneName, QuerySettings, chdb_quirks, schema
from .errors import INSERT_OUTCOME_UNKNOWN_CODES, parse_error, query_error
from .schema_check import check_points_table

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client

T = TypeVar("T")

#: The writer flushes one batch at a time, so one write connection is never the bottleneck.
WRITE_CONNECTIONS = 1


def render_settings(settings: QuerySettings | None) -> str:
    """A trailing SETTINGS clause; keys and values come from our code, never from users.
    Settings ride in the SQL on both engines (see chdb_quirks for why not as parameters)."""
    if not settings:
        return ""
    parts = []
    for key, value in settings.items():
        if not key.replace("_", "").isalnum():
            raise ValueError(f"bad setting name {key!r}")
        rendered = f"'{value}'" if isinstance(value, str) else repr(value)
        parts.append(f"{key} = {rendered}")
    return " SETTINGS " + ", ".join(parts)


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


@dataclass(frozen=True, slots=True)
class Engine:
    """What differs between the engines: where the data is, how a client connects, and how a
    client is cleaned after a failed statement."""

    description: str
    database: str
    #: The data directory (embedded) or `host:port` (server).
    location: str
    connect: Callable[[], Client]
    recover: Callable[[Client], None]


def _nothing_to_recover(client: Client) -> None:
    """A server's HTTP answers are independent: a failure leaves nothing behind."""


def engine_for(location: str) -> Engine:
    """The engine `USAGEHOUSE_STORAGE` names: a URL is a server, anything else a directory."""
    if not location.startswith(SERVER_SCHEMES):
        path = os.path.abspath(location)
        return Engine(
            f"embedded chDB at {path}",
            DEFAULT_DATABASE,
            path,
            lambda: chdb_quirks.connect(path),
            chdb_quirks.drain,
        )
    address = parse_url(location)

    def connect() -> Client:
        import clickhouse_connect

        # The schema's database may not exist yet: connect to `default`, name it in SQL.
        # No session: each statement stands alone, as on chDB, and none waits on a lock.
        client: Client = clickhouse_connect.get_client(
            host=address["host"],
            port=address["port"],
            username=address["username"],
            password=address["password"],
            secure=address["secure"],
            database="default",
            autogenerate_session_id=False,
        )
        return client

    where = f"{address['host']}:{address['port']}"
    return Engine(
        f"ClickHouse server at {where}, database {address['database']}",
        address["database"],
        where,
        connect,
        _nothing_to_recover,
    )


class Lane:
    """Clients reserved for one kind of work, each used by one thread at a time (a chDB
    connection runs one statement at a time), so a lane of n clients runs n statements."""

    def __init__(self, name: str, clients: list[Client], recover: Callable[[Client], None]):
        self._clients = clients
        self._idle: queue.SimpleQueue[Client] = queue.SimpleQueue()
        for client in clients:
            self._idle.put(client)
        self._recover = recover
        self._executor = ThreadPoolExecutor(len(clients), thread_name_prefix=f"ch-{name}")
        self._broken: str | None = None

    async def run(self, call: Callable[[Client], T]) -> T:
        if self._broken is not None:
            raise StorageUnavailable(self._broken)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, call)

    def _call(self, call: Callable[[Client], T]) -> T:
        client = self._idle.get()  # as many threads as clients: one is always idle here
        try:
            return call(client)
        except Exception:
            try:
                self._recover(client)
            except StorageUnavailable as e:
                self._broken = e.message
                raise
            raise
        finally:
            self._idle.put(client)

    def close(self) -> None:
        """Finish the lane's queued work, then close its clients (blocks: run off the loop)."""
        self._executor.shutdown(wait=True)
        for client in self._clients:
            client.close()


def _is_connection_error(e: Exception) -> bool:
    from clickhouse_connect.driver.exceptions import OperationalError

    return isinstance(e, OperationalError) and "Code:" not in str(e)


def _insert_error(e: Exception) -> StorageUnavailable:
    """InsertOutcomeUnknown where the rows may have been stored all the same."""
    if _is_connection_error(e) or parse_error(str(e))[0] in INSERT_OUTCOME_UNKNOWN_CODES:
        return InsertOutcomeUnknown(f"insert failed, perhaps after it was stored: {e}")
    return StorageUnavailable(f"insert failed: {e}")


#: What every query carries on a cluster. A dataset read twice in one query (an IN or JOIN
#: subquery) reads the Distributed table inside a query the shards run; GLOBAL runs that
#: inner read once and ships its result to the shards, which is right when every shard holds
#: part of every account (sharding by flush). ClickHouse's default refuses such queries.
CLUSTER_QUERY_SETTINGS: QuerySettings = {"distributed_product_mode": "global"}


def insert_settings(cluster: str, insert_quorum: int) -> dict[str, int]:
    """What every insert carries. On a cluster the Distributed table answers only once each
    shard has stored its rows (`insert_distributed_sync`, the name every version knows; 23.11
    renamed it distributed_foreground_insert), not when they are queued on the node that took
    the insert; `insert_quorum` waits for that many replicas of the shard.

    The coarser copies (schema.COPIES) are filled by views after the points are committed; a
    failure there must not fail a write whose points are stored (a retry without its token
    would add them twice). A copy then lacks that insert's rows: its estimates are a little
    low, never an invoice, which reads only the points table (docs/sql.md, "Read-time resolutions").
    (`parallel_view_processing` made inserts no faster on 2 cores: benchmarks/copy_cost.py.)"""
    settings = {"materialized_views_ignore_errors": 1}
    if not cluster:
        return settings
    settings["insert_distributed_sync"] = 1
    if insert_quorum:
        settings["insert_quorum"] = insert_quorum
    return settings


class ClickHouseStorage:
    """Storage on ClickHouse, embedded or on a server, with writes and queries in lanes."""

    def __init__(
        self, engine: Engine, write: Lane, queries: Lane, cluster: str = "", insert_quorum: int = 0
    ) -> None:
        self.database = engine.database
        self.description = engine.description
        self.location = engine.location
        self._lanes: dict[LaneName, Lane] = {"write": write, "query": queries}
        self._insert_settings = insert_settings(cluster, insert_quorum)
        self._query_settings: QuerySettings = CLUSTER_QUERY_SETTINGS if cluster else {}
        self._closed = False

    @classmethod
    async def open(
        cls,
        location: str,
        retention_days: int,
        query_connections: int = Settings().query_connections,
        *,
        cluster: str = "",
        insert_quorum: int = 0,
    ) -> ClickHouseStorage:
        """Connect to the directory or server `location` names, check an existing points
        table and migrate the schema (on `cluster`'s nodes, if one is named)."""
        try:
            engine = await asyncio.to_thread(engine_for, location)  # abspath reads the cwd
        except ValueError as e:
            raise StorageUnavailable(str(e)) from e
        return await cls.start(
            engine, retention_days, query_connections, cluster=cluster, insert_quorum=insert_quorum
        )

    @classmethod
    async def start(
        cls,
        engine: Engine,
        retention_days: int,
        query_connections: int = Settings().query_connections,
        *,
        cluster: str = "",
        insert_quorum: int = 0,
    ) -> ClickHouseStorage:
        """`open` on an engine already chosen (tests bring a chDB engine with a config)."""

        def connect_all() -> list[Client]:
            clients: list[Client] = []
            try:
                for _ in range(WRITE_CONNECTIONS + query_connections):
                    clients.append(engine.connect())
            except BaseException:
                for client in clients:
                    client.close()
                raise
            return clients

        try:
            clients = await asyncio.to_thread(connect_all)
        except Exception as e:
            raise StorageUnavailable(f"cannot connect to {engine.description}: {e}") from e
        storage = cls(
            engine,
            Lane("write", clients[:WRITE_CONNECTIONS], engine.recover),
            Lane("query", clients[WRITE_CONNECTIONS:], engine.recover),
            cluster,
            insert_quorum,
        )
        layout = schema.Layout(engine.database, cluster)
        try:
            await check_points_table(storage, engine.database, layout.local(schema.TABLE))
            await schema.migrate(storage, engine.database, retention_days, cluster)
        except BaseException:
            await storage.close()
            raise
        return storage

    async def _run(self, lane: LaneName, call: Callable[[Client], T]) -> T:
        if self._closed:
            raise StorageUnavailable("storage is closed")
        return await self._lanes[lane].run(call)

    async def insert_columns(
        self, table: str, columns: Sequence[str], data: bytes, *, token: str | None = None
    ) -> None:
        target = f"{self.database}.{table}"
        settings: dict[str, int | str] = dict(self._insert_settings)
        if token is not None:
            settings["insert_deduplication_token"] = token
        try:
            await self._run(
                "write",
                lambda client: client.raw_insert(
                    target,
                    list(columns),
                    insert_block=data,
                    settings=settings or None,
                    fmt="JSONCompactColumns",
                ),
            )
        except AppError:
            raise
        except Exception as e:
            raise _insert_error(e) from e

    async def query(
        self,
        sql: str,
        fmt: str = "JSON",
        settings: QuerySettings | None = None,
        *,
        lane: LaneName = "query",
    ) -> bytes:
        text = sql + render_settings({**self._query_settings, **(settings or {})})
        try:
            data: bytes = await self._run(lane, lambda client: client.raw_query(text, fmt=fmt))
        except AppError:
            raise
        except Exception as e:
            if _is_connection_error(e):
                raise StorageUnavailable(f"ClickHouse unreachable: {e}") from e
            raise query_error(str(e)) from e
        return data

    async def command(self, sql: str) -> None:
        try:
            await self._run("write", lambda client: client.command(sql))
        except AppError:
            raise
        except Exception as e:
            raise StorageUnavailable(f"storage command failed: {e}") from e

    async def ping(self) -> None:
        if not await self._run("write", lambda client: client.ping()):
            raise StorageUnavailable(f"{self.description} does not answer")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for lane in self._lanes.values():
            await asyncio.to_thread(lane.close)
