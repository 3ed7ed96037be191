"""The first release's bookkeeping tables move into the points table at start-up."""

from __future__ import annotations

from server.storage import schema
from server.storage.clickhouse import ClickHouseStorage
from tests.helpers import rows

LEGACY_COUNTERS = """CREATE TABLE {db}.usage_counters (
    account_id LowCardinality(String), meter LowCardinality(String), customer String,
    dimension String, bucket DateTime('UTC'), points UInt64, total Float64, batch UInt64
) ENGINE = MergeTree ORDER BY (account_id, meter, customer, bucket)"""


async def test_legacy_counters_are_moved_once_and_the_old_tables_dropped(storage):
    db = storage.database
    await storage.command(LEGACY_COUNTERS.format(db=db))
    await storage.command(
        f"CREATE TABLE {db}.idempotency_keys (key String) ENGINE = MergeTree ORDER BY key"
    )
    await storage.command(
        f"INSERT INTO {db}.usage_counters VALUES "
        "('acct', 'requests', 'acme', '/api', '2026-11-03 10:15:00', 7, 1.5, 42)"
    )
    await schema.migrate(storage, db, 92)
    await schema.migrate(storage, db, 92)  # a second start changes nothing
    view = schema.COUNTERS_VIEW.format(database=db)
    assert await rows(storage, f"SELECT * EXCEPT account_id FROM ({view})") == [
        {
            "meter": "requests",
            "customer": "acme",
            "dimension": "/api",
            "bucket": "2026-11-03 10:15:00",
            "points": 7,
            "total": 1.5,
            "batch": 42,
        }
    ]
    tables = await rows(storage, f"SELECT name FROM system.tables WHERE database = '{db}'")
    copies = [name for copy in schema.COPIES for name in (copy.table, copy.view)]
    assert sorted(t["name"] for t in tables) == sorted(["meter_starts", "points", *copies])


async def test_a_points_table_of_an_earlier_version_learns_to_deduplicate_retries(tmp_path):
    """Tables created before insert tokens get the dedup window at start, so a repeated
    insert with its token is stored once there too."""
    old = schema.points_ddl("usagehouse", 92).replace(
        f", non_replicated_deduplication_window = {schema.DEDUP_WINDOW}", ""
    )
    path = str(tmp_path / "ch")
    store = await ClickHouseStorage.open(path, 92)
    await store.command(f"DROP TABLE {store.database}.points")
    await store.command(old)
    await store.close()
    store = await ClickHouseStorage.open(path, 92)
    try:
        engine = await rows(
            store,
            "SELECT engine_full FROM system.tables WHERE database = '{db}' AND name = 'points'",
        )
        assert "non_replicated_deduplication_window = 1000" in engine[0]["engine_full"]
    finally:
        await store.close()
