"""The one wide table every account and dataset shares, and its DDL (both backends run it).

WAE keeps all datasets in one ClickHouse table and filters each query by dataset; we do the
same and add `account_id` in front of the sort key so one account's rows are contiguous.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # storage/__init__ imports this module; the protocol is only for typing
    from . import Storage

BLOB_COUNT = 20
DOUBLE_COUNT = 20
TABLE = "points"

BLOB_COLUMNS = tuple(f"blob{i}" for i in range(1, BLOB_COUNT + 1))
DOUBLE_COLUMNS = tuple(f"double{i}" for i in range(1, DOUBLE_COUNT + 1))

#: The columns a WAE dataset exposes to SQL, in WAE's order (`SELECT *` returns these).
WAE_COLUMNS: tuple[str, ...] = (
    "dataset",
    "timestamp",
    "_sample_interval",
    "index1",
    *BLOB_COLUMNS,
    *DOUBLE_COLUMNS,
)

#: ClickHouse type of each WAE column as SQL sees it.
WAE_COLUMN_TYPES: dict[str, str] = {
    "dataset": "String",
    "timestamp": "DateTime('UTC')",
    "_sample_interval": "UInt32",
    "index1": "String",
    **{c: "String" for c in BLOB_COLUMNS},
    **{c: "Float64" for c in DOUBLE_COLUMNS},
}

#: The columns the writer inserts, in this order. `_blobs`/`_doubles` are EPHEMERAL arrays
#: that the blobN/doubleN defaults unpack, so an insert carries 8 columns instead of 45.
#: `_batch` identifies the flush that wrote a row (idempotency checks it).
INSERT_COLUMNS: tuple[str, ...] = (
    "account_id",
    "dataset",
    "timestamp",
    "_sample_interval",
    "index1",
    "_blobs",
    "_doubles",
    "_batch",
)


#: Parts below this size are written in Compact format (one file instead of two per column).
#: Group-commit inserts are tens of thousands of 45-column rows: as Wide parts they took twice
#: the CPU and time to write (benchmarks/ingest.py); merges past 256 MiB become Wide.
COMPACT_PART_BYTES = 256 * 1024 * 1024


def points_ddl(database: str, retention_days: int) -> str:
    """CREATE TABLE for the points table; idempotent (IF NOT EXISTS)."""
    blobs = ",\n    ".join(
        f"{c} String DEFAULT ifNull(_blobs[{i}], '')" for i, c in enumerate(BLOB_COLUMNS, 1)
    )
    doubles = ",\n    ".join(
        f"{c} Float64 DEFAULT _doubles[{i}]" for i, c in enumerate(DOUBLE_COLUMNS, 1)
    )
    return f"""CREATE TABLE IF NOT EXISTS {database}.{TABLE} (
    account_id LowCardinality(String),
    dataset LowCardinality(String),
    timestamp DateTime('UTC'),
    _sample_interval UInt32 DEFAULT 1,
    index1 String,
    _blobs Array(Nullable(String)) EPHEMERAL,
    _doubles Array(Float64) EPHEMERAL,
    {blobs},
    {doubles},
    _batch UInt64 DEFAULT 0,
    INDEX batch_minmax _batch TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (account_id, dataset, index1, timestamp)
TTL timestamp + INTERVAL {int(retention_days)} DAY
SETTINGS min_bytes_for_wide_part = {COMPACT_PART_BYTES}"""


def retention_ddl(database: str, retention_days: int) -> str:
    """ALTER that re-applies the TTL, so a changed USAGEHOUSE_RETENTION_DAYS takes effect."""
    return (
        f"ALTER TABLE {database}.{TABLE} MODIFY TTL timestamp + INTERVAL {int(retention_days)} DAY"
    )


IDEMPOTENCY_TABLE = "idempotency_keys"
IDEMPOTENCY_COLUMNS = ("account_id", "key", "batch", "response", "created")


def idempotency_ddl(database: str) -> str:
    """Answers remembered per (account, Idempotency-Key) for 24 hours."""
    return f"""CREATE TABLE IF NOT EXISTS {database}.{IDEMPOTENCY_TABLE} (
    account_id String,
    key String,
    batch UInt64,
    response String,
    created DateTime('UTC')
)
ENGINE = ReplacingMergeTree(created)
ORDER BY (account_id, key)
TTL created + INTERVAL 1 DAY"""


COUNTERS_TABLE = "usage_counters"
COUNTER_COLUMNS = (
    "account_id",
    "meter",
    "customer",
    "dimension",
    "bucket",
    "points",
    "total",
    "batch",
)


def counters_ddl(database: str) -> str:
    """Exact pre-sampling counts per billing meter (billing/counters.py). Rows are summed at
    query time; `batch` ties them to their flush so an interrupted write is never counted
    twice on retry. Kept two years: invoices must stay reproducible after points expire."""
    return f"""CREATE TABLE IF NOT EXISTS {database}.{COUNTERS_TABLE} (
    account_id LowCardinality(String),
    meter LowCardinality(String),
    customer String,
    dimension String,
    bucket DateTime('UTC'),
    points UInt64,
    total Float64,
    batch UInt64,
    INDEX batch_minmax batch TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (account_id, meter, customer, bucket)
TTL bucket + INTERVAL 730 DAY"""


METER_STARTS_TABLE = "meter_starts"


def meter_starts_ddl(database: str) -> str:
    """When each meter's counters began (as a batch id): older points are estimated."""
    return f"""CREATE TABLE IF NOT EXISTS {database}.{METER_STARTS_TABLE} (
    meter String,
    batch UInt64
)
ENGINE = MergeTree
ORDER BY meter"""


def all_ddl(database: str, retention_days: int) -> list[str]:
    """Every statement that brings a database to the current schema, in order."""
    return [
        f"CREATE DATABASE IF NOT EXISTS {database}",
        points_ddl(database, retention_days),
        idempotency_ddl(database),
        counters_ddl(database),
        meter_starts_ddl(database),
    ]


async def migrate(storage: Storage, database: str, retention_days: int) -> None:
    """Create what is missing and re-apply the TTL only when retention changed (MODIFY TTL
    rewrites parts, so it must not run on every start)."""
    for ddl in all_ddl(database, retention_days):
        await storage.command(ddl)
    engine = await storage.query(
        f"SELECT engine_full FROM system.tables WHERE database = '{database}' AND name = '{TABLE}'",
        "TabSeparated",
    )
    if f"toIntervalDay({int(retention_days)})" not in engine.decode():
        await storage.command(retention_ddl(database, retention_days))
