"""The one wide table every account and dataset shares, and its DDL (both backends run it).

WAE keeps all datasets in one ClickHouse table and filters each query by dataset; we do the
same and add `account_id` in front of the sort key so one account's rows are contiguous.

On a ClickHouse cluster (`USAGEHOUSE_CLICKHOUSE_CLUSTER`) each table is a Replicated local
table on every node (`points_local`) behind a Distributed table of the name the code queries
(`points`); see `Layout`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from ..config import CLUSTER_NAME

if TYPE_CHECKING:  # only for typing: the protocol's module imports the settings
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
#: Re-measured (issue 15): 15k-row inserts cost 5.5-6.3 us of CPU a row Compact, 8-12 Wide;
#: the recipe queries on the same 1M rows in 10 parts took 55/356/16.7/16.6 ms Compact and
#: 52/401/17.2/17.3 ms Wide. ClickHouse's default (10 MiB) would make parts Wide from ~40k rows.
COMPACT_PART_BYTES = 256 * 1024 * 1024
#: A single server remembers the tokens of this many recent inserts, so an insert retried with
#: its token (ingest/writer.py) is stored once; Replicated tables keep theirs in Keeper anyway.
DEDUP_WINDOW = 1000


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


#: The local tables of a cluster are named after their Distributed table with this suffix.
LOCAL_SUFFIX = "_local"
#: Rows go to a shard by their flush: every row of one insert has the same `_batch`, so the
#: whole insert (points, their counters, their requests' records) lands in one part on one
#: shard, as on one server, and a retry with the same token reaches the same shard. A
#: key by account would put an account (often a deployment's only one) on a single shard.
POINTS_SHARDING_KEY = "cityHash64(_batch)"
METER_STARTS_SHARDING_KEY = "cityHash64(meter)"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the tables live: on one server (`cluster` empty), or on every node of a cluster
    as Replicated local tables behind Distributed tables of the names the code queries."""

    database: str
    cluster: str = ""

    def __post_init__(self) -> None:
        if self.cluster and not re.fullmatch(CLUSTER_NAME, self.cluster):
            raise ValueError(f"cluster name {self.cluster!r} is not a plain name")

    def local(self, table: str) -> str:
        """The table that stores `table`'s rows (system.tables describes it)."""
        return table + LOCAL_SUFFIX if self.cluster else table

    @property
    def on_cluster(self) -> str:
        return f" ON CLUSTER '{self.cluster}'" if self.cluster else ""

    def create(self, table: str) -> str:
        """The head of the CREATE statement of the table that stores `table`'s rows."""
        return f"CREATE TABLE IF NOT EXISTS {self.database}.{self.local(table)}{self.on_cluster}"

    def engine(self, table: str) -> str:
        """MergeTree, or ReplicatedMergeTree at a Keeper path per shard (node macros)."""
        if not self.cluster:
            return "MergeTree"
        path = f"/clickhouse/tables/{{shard}}/{self.database}/{self.local(table)}"
        return f"ReplicatedMergeTree('{path}', '{{replica}}')"

    def distributed(self, table: str, sharding_key: str) -> str:
        """The Distributed table `table` over the local tables of every shard."""
        local = self.local(table)
        return (
            f"CREATE TABLE IF NOT EXISTS {self.database}.{table}{self.on_cluster} "
            f"AS {self.database}.{local}\n"
            f"ENGINE = Distributed('{self.cluster}', '{self.database}', '{local}', {sharding_key})"
        )


def points_ddl(database: str, retention_days: int, cluster: str = "", table: str = TABLE) -> str:
    """CREATE TABLE for the table that stores points (or a coarser copy of them, `table`:
    the same columns, sort key, partitions and retention); idempotent (IF NOT EXISTS)."""
    layout = Layout(database, cluster)
    blobs = ",\n    ".join(
        f"{c} String DEFAULT ifNull(_blobs[{i}], '')" for i, c in enumerate(BLOB_COLUMNS, 1)
    )
    doubles = ",\n    ".join(
        f"{c} Float64 DEFAULT _doubles[{i}]" for i, c in enumerate(DOUBLE_COLUMNS, 1)
    )
    settings = f"min_bytes_for_wide_part = {COMPACT_PART_BYTES}"
    if not cluster:
        settings += f", non_replicated_deduplication_window = {DEDUP_WINDOW}"
    return f"""{layout.create(table)} (
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
ENGINE = {layout.engine(table)}
PARTITION BY toYYYYMM(timestamp)
ORDER BY (account_id, dataset, index1, timestamp)
TTL {ttl_clause(retention_days)}
SETTINGS {settings}"""


def retention_ddl(database: str, retention_days: int, cluster: str = "", table: str = TABLE) -> str:
    """ALTER that re-applies the TTL, so a changed USAGEHOUSE_RETENTION_DAYS takes effect."""
    layout = Layout(database, cluster)
    return (
        f"ALTER TABLE {database}.{layout.local(table)}{layout.on_cluster} "
        f"MODIFY TTL {ttl_clause(retention_days)}"
    )


METER_STARTS_TABLE = "meter_starts"


def meter_starts_ddl(database: str, cluster: str = "") -> str:
    """When each meter's counters began (as a batch id): older points are estimated."""
    layout = Layout(database, cluster)
    return f"""{layout.create(METER_STARTS_TABLE)} (
    meter String,
    batch UInt64
)
ENGINE = {layout.engine(METER_STARTS_TABLE)}
ORDER BY meter"""


def _statements(layout: Layout, retention_days: int) -> list[tuple[str, str]]:
    """(what it creates, DDL) in order; "" names the database."""
    db, cluster = layout.database, layout.cluster
    statements = [
        ("", f"CREATE DATABASE IF NOT EXISTS {db}{layout.on_cluster}"),
        (layout.local(TABLE), points_ddl(db, retention_days, cluster)),
        (layout.local(METER_STARTS_TABLE), meter_starts_ddl(db, cluster)),
    ]
    if cluster:
        statements += [
            (TABLE, layout.distributed(TABLE, POINTS_SHARDING_KEY)),
            (METER_STARTS_TABLE, layout.distributed(METER_STARTS_TABLE, METER_STARTS_SHARDING_KEY)),
        ]
    return statements + resolution_statements(layout, retention_days)


def all_ddl(database: str, retention_days: int, cluster: str = "") -> list[str]:
    """Every statement that brings a database to the current schema, in order."""
    return [ddl for _, ddl in _statements(Layout(database, cluster), retention_days)]


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
    """The database's tables, plus "" if the database exists."""
    names = await storage.query(
        f"SELECT '' FROM system.databases WHERE name = '{database}' UNION ALL "
        f"SELECT name FROM system.tables WHERE database = '{database}'",
        "JSONCompactEachRow",
        lane="write",
    )
    return {orjson.loads(line)[0] for line in names.splitlines()}


async def migrate(storage: Storage, database: str, retention_days: int, cluster: str = "") -> None:
    """Create what is missing (only that: a DBA may have created the tables and given this
    server no DDL rights), move the first release's bookkeeping tables into the points table,
    and re-apply the TTL only when retention changed (MODIFY TTL rewrites parts, so it must
    not run on every start). On a cluster the local tables describe the schema."""
    layout = Layout(database, cluster)
    tables = await _table_names(storage, database)
    tables |= await build_copies(storage, layout, retention_days, tables)
    for name, ddl in _statements(layout, retention_days):
        if name not in tables:
            await storage.command(ddl)
    if LEGACY_COUNTERS_TABLE in tables:
        await storage.command(legacy_counters_copy(database))
        await storage.command(f"DROP TABLE {database}.{LEGACY_COUNTERS_TABLE}")
    if LEGACY_IDEMPOTENCY_TABLE in tables:
        # Records live a day; keys used in the day before the upgrade are forgotten.
        await storage.command(f"DROP TABLE {database}.{LEGACY_IDEMPOTENCY_TABLE}")
    engines = {
        table: await _apply_retention(storage, layout, table, int(retention_days))
        for table in (TABLE, *(copy.table for copy in COPIES))
    }
    if not cluster and b"non_replicated_deduplication_window" not in engines[TABLE]:
        await storage.command(  # a table of an earlier version: retried inserts dedup too
            f"ALTER TABLE {database}.{TABLE} "
            f"MODIFY SETTING non_replicated_deduplication_window = {DEDUP_WINDOW}"
        )


async def _apply_retention(storage: Storage, layout: Layout, table: str, days: int) -> bytes:
    """Re-apply `table`'s TTL if it is not the retention's; returns its engine description."""
    engine = await storage.query(
        f"SELECT engine_full FROM system.tables "
        f"WHERE database = '{layout.database}' AND name = '{layout.local(table)}'",
        "TabSeparated",
        lane="write",
    )
    current = (
        f"timestamp + toIntervalDay({days}) WHERE dataset NOT IN",
        f"toIntervalDay({max(days, COUNTERS_MIN_DAYS)}) WHERE dataset = ",
    )
    if not all(part in engine.decode() for part in current):
        await storage.command(retention_ddl(layout.database, days, layout.cluster, table))
    return engine


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
#: Coarser copies, finest first. A tenth and a hundredth cost 11-16 % more storage and let any
#: query read at most a hundredth of its rows (docs/sql.md, "Read-time resolutions").
COPIES = (Resolution(10, f"{TABLE}_r10"), Resolution(100, f"{TABLE}_r100"))
RESOLUTIONS = (FULL, *COPIES)


def copy_select(database: str, copy: Resolution, source: str = TABLE) -> str:
    """The rows of the points table `source` that `copy` keeps, with their weight multiplied.

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
        f"SELECT {columns} FROM {database}.{source} WHERE dataset NOT IN ({reserved}) "
        f"AND cityHash64(_batch, rowNumberInBlock(), index1, timestamp) % {copy.factor} = 0"
    )


def copy_view_ddl(layout: Layout, copy: Resolution) -> str:
    """The view that copies each insert's kept rows; on a cluster, from the local points table
    into the local copy on the node that stores them (replication does the rest)."""
    db = layout.database
    return (
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{copy.view}{layout.on_cluster} "
        f"TO {db}.{layout.local(copy.table)} AS {copy_select(db, copy, layout.local(TABLE))}"
    )


def _copy_tables(layout: Layout, retention_days: int, copy: Resolution) -> list[tuple[str, str]]:
    db, cluster = layout.database, layout.cluster
    tables = [(layout.local(copy.table), points_ddl(db, retention_days, cluster, copy.table))]
    if cluster:  # the copy is sharded as the points are, by flush
        tables.append((copy.table, layout.distributed(copy.table, POINTS_SHARDING_KEY)))
    return tables


def resolution_statements(layout: Layout, retention_days: int) -> list[tuple[str, str]]:
    """(what it creates, DDL) for the coarser copies and the views that fill them."""
    return [
        statement
        for copy in COPIES
        for statement in (
            *_copy_tables(layout, retention_days, copy),
            (copy.view, copy_view_ddl(layout, copy)),
        )
    ]


async def build_copies(
    storage: Storage, layout: Layout, retention_days: int, tables: set[str]
) -> set[str]:
    """Fill each copy an existing points table lacks from its rows, before its view exists;
    returns the tables and views created.

    A copy without its view is unfinished (the view is created last), so it is built again
    from scratch: an interrupted start simply runs this again. Nothing writes meanwhile on this
    server (it accepts writes once the migration is done); on a cluster, points that other
    servers write while a copy is built are missing from it.
    """
    if layout.local(TABLE) not in tables:
        return set()  # a new database: the migration creates empty copies and their views
    created: set[str] = set()
    db, sync = layout.database, f"{layout.on_cluster} SYNC"
    for copy in COPIES:
        if copy.view in tables:
            continue
        statements = _copy_tables(layout, retention_days, copy)
        for name, _ in reversed(statements):
            await storage.command(f"DROP TABLE IF EXISTS {db}.{name}{sync}")
        for _, ddl in statements:
            await storage.command(ddl)
        # Through the Distributed tables on a cluster: a row goes to the shard of its flush,
        # where its point is.
        await storage.command(f"INSERT INTO {db}.{copy.table} {copy_select(db, copy)}")
        await storage.command(copy_view_ddl(layout, copy))
        created |= {name for name, _ in statements} | {copy.view}
    return created
