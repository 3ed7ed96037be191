"""The storage seam: a `Storage` protocol, the columnar batch it inserts, and `open_storage`."""

from __future__ import annotations

import secrets
import time
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import pyarrow as pa

from ..config import Settings
from . import schema

QuerySettings = Mapping[str, int | float | str]
#: Which connections a statement uses: user queries never take the write lane's.
LaneName = Literal["query", "write"]
#: How an insert's data is encoded: the write path's Arrow (`join`), or JSON for a few rows.
InsertFormat = Literal["ArrowStream", "JSONCompactColumns"]
#: The database of the embedded engine, and the default where a command names none.
DEFAULT_DATABASE = "usagehouse"


def sql_string(value: str) -> str:
    """A ClickHouse string literal for our own internal queries (user SQL goes through sql/)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def new_batch_id() -> int:
    """Roughly time-ordered 63-bit id, unique across servers (so a minmax index finds it)."""
    return (time.time_ns() // 1000) * 1024 + secrets.randbits(10)


#: The Arrow type of each insert column (schema.INSERT_COLUMNS, in order) but the last,
#: `_batch`, which `join` adds.
ROW_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("dataset", pa.string()),
        ("timestamp", pa.uint32()),
        ("_sample_interval", pa.uint32()),
        ("index1", pa.string()),
        ("_blobs", pa.list_(pa.string())),
        ("_doubles", pa.list_(pa.float64())),
    ]
)
INSERT_SCHEMA = ROW_SCHEMA.append(pa.field("_batch", pa.uint64()))
assert tuple(INSERT_SCHEMA.names) == schema.INSERT_COLUMNS
#: The array typecode of a C unsigned int, 4 bytes wherever this runs (checked here).
UINT32 = "I"
assert array(UINT32).itemsize == 4


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows of the points table as an Arrow record batch of the insert columns but `_batch`
    (ROW_SCHEMA), which `join` adds.

    The write path encodes a request's rows as soon as they are valid, while they are still in
    the CPU's caches, and a flush only writes the batches out as one Arrow stream. Arrow rather
    than JSON text because ClickHouse then parses nothing again: a 30,000-row insert costs the
    engine 0.8 us of CPU a row less, the encoding 0.05-0.25 us a point more
    (benchmarks/insert_format.py)."""

    batch: pa.RecordBatch

    @property
    def count(self) -> int:
        n: int = self.batch.num_rows
        return n

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
        columns = [
            _strings(account_ids, n),
            _strings(datasets, n),
            _uint32(timestamps),
            _uint32(sample_intervals),
            pa.array(indexes, pa.string()),
            pa.array(blobs, ROW_SCHEMA.field("_blobs").type),
            _doubles(doubles),
        ]
        return cls(pa.RecordBatch.from_arrays(columns, schema=ROW_SCHEMA))


def _strings(values: str | list[str], n: int) -> pa.Array:
    """`values`, or `n` times the one value."""
    if isinstance(values, list):
        return pa.array(values, pa.string())
    return pa.repeat(pa.scalar(values, pa.string()), n)


def _uint32(values: list[int]) -> pa.Array:
    """Through a C array: a quarter of the CPU of pa.array on a list of ints."""
    data = array(UINT32, values)
    return pa.Array.from_buffers(pa.uint32(), len(data), [None, pa.py_buffer(data)])


def _doubles(doubles: list[list[float]]) -> pa.Array:
    kind = ROW_SCHEMA.field("_doubles").type
    try:
        return pa.array(doubles, kind)
    except (pa.ArrowInvalid, OverflowError):  # a JSON integer no double holds exactly
        return pa.array([[float(value) for value in row] for row in doubles], kind)


# pyarrow imports pandas (chdb's dependency) the first time it converts Python objects, which
# takes a quarter of a second: here, when the server starts, rather than in its first write.
Rows.encode("", "", [], [], [], [], [])


def join(pieces: Sequence[Rows], batch: int) -> bytes:
    """One ArrowStream insert of all `pieces`' rows, in order, each row's `_batch` being
    `batch`: a record batch per piece (ClickHouse writes the insert's rows as one part all
    the same)."""
    pieces = [rows for rows in pieces if rows.count]
    total = sum(rows.count for rows in pieces)
    batches = pa.repeat(pa.scalar(batch, pa.uint64()), total)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, INSERT_SCHEMA) as stream:
        at = 0
        for rows in pieces:
            columns = [*rows.batch.columns, batches.slice(at, rows.count)]
            stream.write_batch(pa.RecordBatch.from_arrays(columns, schema=INSERT_SCHEMA))
            at += rows.count
    data: bytes = sink.getvalue().to_pybytes()
    return data


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
        """The batch as one ArrowStream insert."""
        return join([self.rows()], self.batch)


class Storage(Protocol):
    """What the server needs from ClickHouse, embedded or remote."""

    database: str
    description: str

    async def insert_columns(
        self,
        table: str,
        columns: Sequence[str],
        data: bytes,
        *,
        token: str | None = None,
        fmt: InsertFormat = "ArrowStream",
    ) -> None:
        """Insert `data` (`join`'s, or as `fmt` says) into `table` and commit it: the rows
        are visible to the next query when this returns. With a `token` (ClickHouse's
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
