"""The storage seam: a `Storage` protocol, the columnar batch it inserts, and `open_storage`."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import orjson

from ..config import Settings

QuerySettings = Mapping[str, int | float | str]
#: Which connections a statement uses: user queries never take the write lane's.
LaneName = Literal["query", "write"]
#: The database of the embedded engine, and the default where a command names none.
DEFAULT_DATABASE = "usagehouse"


def sql_string(value: str) -> str:
    """A ClickHouse string literal for our own internal queries (user SQL goes through sql/)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def new_batch_id() -> int:
    """Roughly time-ordered 63-bit id, unique across servers (so a minmax index finds it)."""
    return (time.time_ns() // 1000) * 1024 + secrets.randbits(10)


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows of the points table encoded as ClickHouse's JSONCompactColumns: one JSON array per
    insert column (schema.INSERT_COLUMNS) but the last, `_batch`, which `join` adds.

    The write path encodes a request's rows as soon as they are valid, while they are still in
    the CPU's caches (0.45 us a point, against 0.8-1.0 us for the same encoding of a whole
    flush); a flush then only joins bytes, and the write queue holds bytes rather than millions
    of Python objects. Under wrk the event loop's CPU fell from 4.7-5.2 to 3.3-3.9 us a point
    (benchmarks/ingest.py, alternating runs)."""

    #: The columns encoded here: every insert column but `_batch`.
    COLUMNS = 7

    count: int
    arrays: tuple[bytes, ...]

    @classmethod
    def encode(
        cls,
        account_ids: str | list[str],
        datasets: str | list[str],
        timestamps: list[int],
        sample_intervals: list[int],
        indexes: list[str],
        blobs: list[list[str | None]],
        doubles: list[list[float]],
    ) -> Rows:
        """A single account id or dataset (a request's) stands for every row's."""
        n = len(timestamps)
        return cls(
            n,
            (
                _column(account_ids, n),
                _column(datasets, n),
                orjson.dumps(timestamps),
                orjson.dumps(sample_intervals),
                orjson.dumps(indexes),
                orjson.dumps(blobs),
                orjson.dumps(doubles),
            ),
        )


def _column(values: str | list[str], n: int) -> bytes:
    if isinstance(values, list):
        return orjson.dumps(values)
    return _repeated(orjson.dumps(values), n)


def _repeated(value: bytes, n: int) -> bytes:
    """The JSON array of `n` copies of the JSON `value`."""
    return b"[" + b",".join([value] * n) + b"]"


def join(pieces: Sequence[Rows], batch: int) -> bytes:
    """One JSONCompactColumns insert of all `pieces`' rows, in order, each row's `_batch` being
    `batch`: each column's arrays joined without their brackets, in one copy of the bytes."""
    pieces = [rows for rows in pieces if rows.count]
    out: list[bytes | memoryview] = [b"["]
    for column in range(Rows.COLUMNS):
        out.append(b"[")
        for i, rows in enumerate(pieces):
            if i:
                out.append(b",")
            out.append(memoryview(rows.arrays[column])[1:-1])
        out.append(b"],")
    out.append(_repeated(b"%d" % batch, sum(rows.count for rows in pieces)))
    out.append(b"]")
    return b"".join(out)


@dataclass(frozen=True, slots=True)
class InsertBatch:
    """Rows to insert as Python lists, column by column (see schema.INSERT_COLUMNS for the
    order): what tests, benchmarks and the write path's bookkeeping rows build."""

    account_ids: list[str]
    datasets: list[str]
    timestamps: list[int]
    sample_intervals: list[int]
    indexes: list[str]
    blobs: list[list[str | None]]
    doubles: list[list[float]]
    batch: int

    def __len__(self) -> int:
        return len(self.timestamps)

    def rows(self) -> Rows:
        return Rows.encode(
            self.account_ids,
            self.datasets,
            self.timestamps,
            self.sample_intervals,
            self.indexes,
            self.blobs,
            self.doubles,
        )

    def encode(self) -> bytes:
        """The batch as one JSONCompactColumns insert."""
        return join([self.rows()], self.batch)


class Storage(Protocol):
    """What the server needs from ClickHouse, embedded or remote."""

    database: str
    description: str

    async def insert_columns(
        self, table: str, columns: Sequence[str], data: bytes, *, token: str | None = None
    ) -> None:
        """Insert JSONCompactColumns `data` into `table` and commit it: the rows are visible
        to the next query when this returns. With a `token` (ClickHouse's
        insert_deduplication_token), an insert repeated with the same token is stored once,
        so one that raised InsertOutcomeUnknown may simply be repeated."""

    async def query(
        self,
        sql: str,
        fmt: str = "JSON",
        settings: QuerySettings | None = None,
        *,
        lane: LaneName = "query",
    ) -> bytes:
        """Run a read query and return ClickHouse's own serialisation in `fmt`. The write
        path's own small reads pass `lane="write"` so that they never wait behind users'."""

    async def command(self, sql: str) -> None:
        """Run a statement that returns nothing (DDL, internal inserts), on the write lane."""

    async def ping(self) -> None:
        """Raise StorageUnavailable unless the engine answers."""

    async def close(self) -> None:
        """Release the engine; pending work is finished first."""


async def open_storage(settings: Settings) -> Storage:
    """Open the directory or server `settings.storage` names and bring its schema up to date."""
    from .clickhouse import ClickHouseStorage

    return await ClickHouseStorage.open(
        settings.storage,
        settings.retention_days,
        settings.query_connections,
        cluster=settings.clickhouse_cluster,
        insert_quorum=settings.clickhouse_insert_quorum,
    )
