"""The one wide table every account and dataset shares, and its DDL (both backends run it).

WAE keeps all datasets in one ClickHouse table and filters each query by dataset; we do the
same and add `account_id` in front of the sort key so one account's rows are contiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
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


#: Bookkeeping rows share the points table so that they commit in the same part as the points
#: they describe: a flush is one INSERT per month partition, and ClickHouse writes an INSERT of
#: one partition (under max_insert_block_size rows) as one part, atomically. So billing counters,
#: idempotency records and points are all there or none is, whatever instant the process dies.
#: Their dataset names are outside the dataset grammar, so no user query can reach them.
#:
#: | dataset          | index1   | blob1    | blob2       | double1 | double2 | double3        |
#: |------------------|----------|----------|-------------|---------|---------|----------------|
#: | `#counters`      | customer | meter    | dimension   | points  | total   | billing bucket |
#: | `#idempotency`   | key      | response | fingerprint | months  |         |                |
#:
#: `timestamp` is the partition's time: a counter row's 15-minute bucket as ingested (its
#: billing bucket can be later, see billing/counters.py), an idempotency record's first point.
COUNTERS_DATASET = "#counters"
RECORDS_DATASET = "#idempotency"
BOOKKEEPING_DATASETS = (COUNTERS_DATASET, RECORDS_DATASET)
#: Counters are kept at least this long (invoices stay reproducible after points expire), and
#: never shorter than the points they price.
COUNTERS_MIN_DAYS = 730
#: `_batch` is microseconds * 1024 (storage.new_batch_id): this divisor gives epoch seconds.
BATCH_PER_SECOND = 1_024_000_000

#: The counter rows of the points table, as the billing code reads them.
COUNTERS_VIEW = (
    "SELECT account_id, blob1 AS meter, index1 AS customer, blob2 AS dimension, "
    "toDateTime(toUInt32(double3), 'UTC') AS bucket, toUInt64(double1) AS points, "
    "double2 AS total, _batch AS batch FROM {database}." + TABLE + " "
    f"WHERE dataset = '{COUNTERS_DATASET}'"
)


def ttl_clause(retention_days: int) -> str:
    """Points expire after the retention, counters after max(retention, two years),
    idempotency records a day after their flush."""
    days = int(retention_days)
    counters = max(days, COUNTERS_MIN_DAYS)
    reserved = ", ".join(f"'{d}'" for d in BOOKKEEPING_DATASETS)
    return (
        f"timestamp + INTERVAL {days} DAY DELETE WHERE dataset NOT IN ({reserved}), "
        f"timestamp + INTERVAL {counters} DAY DELETE WHERE dataset = '{COUNTERS_DATASET}', "
        f"toDateTime(intDiv(_batch, {BATCH_PER_SECOND})) + INTERVAL 1 DAY DELETE "
        f"WHERE dataset = '{RECORDS_DATASET}'"
    )


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
TTL {ttl_clause(retention_days)}
SETTINGS min_bytes_for_wide_part = {COMPACT_PART_BYTES}"""


def retention_ddl(database: str, retention_days: int, table: str = TABLE) -> str:
    """ALTER that re-applies the TTL, so a changed USAGEHOUSE_RETENTION_DAYS takes effect."""
    return f"ALTER TABLE {database}.{table} MODIFY TTL {ttl_clause(retention_days)}"


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
        meter_starts_ddl(database),
        *resolutions_ddl(database),
    ]


#: Tables of the first release, whose rows now live in the points table.
LEGACY_COUNTERS_TABLE = "usage_counters"
LEGACY_IDEMPOTENCY_TABLE = "idempotency_keys"


def legacy_counters_copy(database: str) -> str:
    """Copy the first release's counter rows into the points table, skipping batches already
    copied, so an interrupted migration can simply run again."""
    return (
        f"INSERT INTO {database}.{TABLE} ({', '.join(INSERT_COLUMNS)}) "
        f"SELECT account_id, '{COUNTERS_DATASET}', bucket, 0, customer, [meter, dimension], "
        "[toFloat64(points), total, toFloat64(toUInt32(bucket))], batch "
        f"FROM {database}.{LEGACY_COUNTERS_TABLE} WHERE batch NOT IN "
        f"(SELECT _batch FROM {database}.{TABLE} WHERE dataset = '{COUNTERS_DATASET}')"
    )


async def _table_names(storage: Storage, database: str) -> set[str]:
    names = await storage.query(
        f"SELECT name FROM system.tables WHERE database = '{database}'", "TabSeparated"
    )
    return set(names.decode().split())


async def migrate(storage: Storage, database: str, retention_days: int) -> None:
    """Create what is missing, move the first release's bookkeeping tables into the points
    table, and re-apply the TTL only when retention changed (MODIFY TTL rewrites parts, so it
    must not run on every start)."""
    await build_copies(storage, database, await _table_names(storage, database))
    for ddl in all_ddl(database, retention_days):
        await storage.command(ddl)
    tables = await _table_names(storage, database)
    if LEGACY_COUNTERS_TABLE in tables:
        await storage.command(legacy_counters_copy(database))
        await storage.command(f"DROP TABLE {database}.{LEGACY_COUNTERS_TABLE}")
    if LEGACY_IDEMPOTENCY_TABLE in tables:
        # Records live a day; keys used in the day before the upgrade are forgotten.
        await storage.command(f"DROP TABLE {database}.{LEGACY_IDEMPOTENCY_TABLE}")
    for table in (TABLE, *(r.table for r in COPIES)):
        await _apply_retention(storage, database, table, retention_days)


async def _apply_retention(storage: Storage, database: str, table: str, days: int) -> None:
    engine = await storage.query(
        f"SELECT engine_full FROM system.tables WHERE database = '{database}' AND name = '{table}'",
        "TabSeparated",
    )
    current = (
        f"timestamp + toIntervalDay({days}) WHERE dataset NOT IN",
        f"toIntervalDay({max(days, COUNTERS_MIN_DAYS)}) WHERE dataset = ",
    )
    if not all(part in engine.decode() for part in current):
        await storage.command(retention_ddl(database, days, table))


# ---------------------------------------------------------------- read-time resolutions


@dataclass(frozen=True, slots=True)
class Resolution:
    """A copy of the points that keeps one row in `factor`, each standing for `factor` times
    the points it did (WAE's ABR: sql/resolution.py picks one per query)."""

    factor: int
    table: str

    @property
    def label(self) -> str:
        """The share of rows kept, as the Usagehouse-Resolution header says it: `10%`."""
        return f"{100 / self.factor:g}%"

    @property
    def view(self) -> str:
        """The materialized view that fills the copy on every insert into the points table."""
        return f"{self.table}_mv"


FULL = Resolution(1, TABLE)
#: Coarser copies, finest first. A tenth and a hundredth cost ~11 % more storage and let any
#: query read at most a hundredth of its rows (README, "Read-time resolutions").
COPIES = (Resolution(10, f"{TABLE}_r10"), Resolution(100, f"{TABLE}_r100"))
RESOLUTIONS = (FULL, *COPIES)


def copy_select(database: str, copy: Resolution) -> str:
    """The rows of the points table that `copy` keeps, with their weight multiplied.

    A row is kept when a hash of its flush, its position in the inserted block and its key is
    a multiple of the factor: a fixed 1-in-factor chance that does not depend on its values,
    and the same choice when the same insert is repeated (ClickHouse's deduplication of
    retried inserts in materialized views needs that). The position keeps identical points of
    one flush (same customer, endpoint and second) from being all kept or all dropped together.
    Since 100 is a multiple of 10, the 1 % copy's rows are a subset of the 10 % copy's.
    """
    # Saturated rather than wrapped past UInt32 (the column's type at every resolution): only
    # a row already standing for over 42 million points (sampler.MAX_INTERVAL is 2^32-1) loses.
    weight = f"toUInt32(least(_sample_interval * {copy.factor}, 4294967295)) AS _sample_interval"
    columns = ", ".join(
        weight if c == "_sample_interval" else c for c in ("account_id", *WAE_COLUMNS, "_batch")
    )
    reserved = ", ".join(f"'{d}'" for d in BOOKKEEPING_DATASETS)
    return (
        f"SELECT {columns} FROM {database}.{TABLE} WHERE dataset NOT IN ({reserved}) "
        f"AND cityHash64(_batch, rowNumberInBlock(), index1, timestamp) % {copy.factor} = 0"
    )


def copy_table_ddl(database: str, copy: Resolution) -> str:
    """The copy has the points table's columns, sort key, partitions and TTL."""
    return f"CREATE TABLE IF NOT EXISTS {database}.{copy.table} AS {database}.{TABLE}"


def copy_view_ddl(database: str, copy: Resolution) -> str:
    return (
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.{copy.view} "
        f"TO {database}.{copy.table} AS {copy_select(database, copy)}"
    )


def resolutions_ddl(database: str) -> list[str]:
    """The coarser copies and the views that keep them up to date."""
    return [
        ddl
        for copy in COPIES
        for ddl in (copy_table_ddl(database, copy), copy_view_ddl(database, copy))
    ]


async def build_copies(storage: Storage, database: str, tables: set[str]) -> None:
    """Fill each copy an existing points table lacks from its rows, before its view exists.

    A copy without its view is unfinished (the view is created last), so it is built again
    from scratch: an interrupted start simply runs this again. Nothing writes meanwhile (the
    server accepts writes once the migration is done).
    """
    if TABLE not in tables:
        return  # a new database: all_ddl creates empty copies and their views
    for copy in COPIES:
        if copy.view in tables:
            continue
        await storage.command(f"DROP TABLE IF EXISTS {database}.{copy.table}")
        await storage.command(copy_table_ddl(database, copy))
        await storage.command(f"INSERT INTO {database}.{copy.table} {copy_select(database, copy)}")
        await storage.command(copy_view_ddl(database, copy))
