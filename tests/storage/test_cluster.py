"""Cluster mode (`USAGEHOUSE_CLICKHOUSE_CLUSTER`): the DDL parses with ClickHouse's own parser,
and the server runs on it.

chDB has no Keeper and runs no ON CLUSTER DDL, so the server runs here on a one-node rehearsal:
chDB configured with a cluster `usagehouse` of one shard (this very node), the cluster DDL run
as a DBA would run it with ON CLUSTER left out and MergeTree (remembering insert tokens, as a
Replicated table does in Keeper) where each node's Replicated table would be. What runs
unchanged is the Distributed tables, everything the server does on them (schema check and
migration on the local table, inserts with their settings and tokens, queries), and the whole
server over HTTP (the same test as tests/storage/test_app_backends.py). The two-shard,
two-replica run is the compose smoke test's `cluster` profile.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.storage import Storage, chdb_quirks, schema, sql_string
from server.storage.clickhouse import ClickHouseStorage, Engine
from tests.helpers import count, rows
from tests.storage.test_app_backends import (  # noqa: F401 (the same tests, on this backend)
    server,
    sql,
    test_write_retry_query_isolate_and_bill,
    write_url,
)
from tests.storage.test_contract import batch

CLUSTER = "usagehouse"
GOLDEN = Path(__file__).parent / "golden" / "schema-cluster.sql"
#: A cluster of one shard whose one replica is this node: chDB counts a replica as local when
#: its host is this machine and its port is the configured tcp_port (nothing listens on it).
CONFIG = f"""<clickhouse>
  <tcp_port>9000</tcp_port>
  <remote_servers>
    <{CLUSTER}>
      <shard>
        <internal_replication>true</internal_replication>
        <replica><host>localhost</host><port>9000</port></replica>
      </shard>
    </{CLUSTER}>
  </remote_servers>
</clickhouse>
"""


def statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


def rehearsal(statement: str) -> str:
    """A cluster statement as one node without Keeper runs it (see the module docstring)."""
    statement = statement.replace(f" ON CLUSTER '{CLUSTER}'", "")
    statement = re.sub(r"ReplicatedMergeTree\('[^']*', '\{replica\}'\)", "MergeTree", statement)
    if "\nSETTINGS " in statement:
        statement += f", non_replicated_deduplication_window = {schema.DEDUP_WINDOW}"
    return statement


def _parse_and_create(path: str, config: str, script: str) -> list[str]:
    client = chdb_quirks.connect(path, config)
    try:
        parsed = [
            client.raw_query(f"SELECT formatQuery({sql_string(s)})", fmt="TabSeparatedRaw")
            for s in statements(script)
        ]
        for statement in statements(script):
            client.command(rehearsal(statement))
        return [p.decode() for p in parsed]
    finally:
        client.close()


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[Storage]:
    """The storage class in cluster mode on tables a DBA created from the golden DDL."""
    path, config = str(tmp_path / "ch"), tmp_path / "config.xml"
    config.write_text(CONFIG)
    await asyncio.to_thread(_parse_and_create, path, str(config), GOLDEN.read_text())
    engine = Engine(
        "one-node cluster rehearsal",
        "usagehouse",
        path,
        lambda: chdb_quirks.connect(path, str(config)),
        chdb_quirks.drain,
    )
    store = await ClickHouseStorage.start(engine, 92, cluster=CLUSTER)
    yield store
    await store.close()


def test_cluster_ddl_is_the_golden_and_parses_with_clickhouse(tmp_path, monkeypatch, capsys):
    from server.cli import main

    monkeypatch.delenv("USAGEHOUSE_RETENTION_DAYS", raising=False)
    assert main(["schema", "--cluster", CLUSTER]) == 0
    assert capsys.readouterr().out == GOLDEN.read_text()
    client = chdb_quirks.connect(str(tmp_path / "ch"))
    try:
        heads = [
            client.raw_query(f"SELECT formatQuery({sql_string(s)})", fmt="TabSeparatedRaw")
            .decode()
            .split("\n")[0]
            for s in statements(GOLDEN.read_text())
        ]
    finally:
        client.close()
    assert heads == [
        "CREATE DATABASE IF NOT EXISTS usagehouse ON CLUSTER usagehouse",
        "CREATE TABLE IF NOT EXISTS usagehouse.points_local ON CLUSTER usagehouse",
        "CREATE TABLE IF NOT EXISTS usagehouse.meter_starts_local ON CLUSTER usagehouse",
        "CREATE TABLE IF NOT EXISTS usagehouse.points ON CLUSTER usagehouse "
        "AS usagehouse.points_local",
        "CREATE TABLE IF NOT EXISTS usagehouse.meter_starts ON CLUSTER usagehouse "
        "AS usagehouse.meter_starts_local",
        *(
            head
            for copy in ("points_r10", "points_r100")
            for head in (
                f"CREATE TABLE IF NOT EXISTS usagehouse.{copy}_local ON CLUSTER usagehouse",
                f"CREATE TABLE IF NOT EXISTS usagehouse.{copy} ON CLUSTER usagehouse "
                f"AS usagehouse.{copy}_local",
                f"CREATE MATERIALIZED VIEW IF NOT EXISTS usagehouse.{copy}_mv ON CLUSTER "
                f"usagehouse TO usagehouse.{copy}_local",
            )
        ),
    ]
    text = GOLDEN.read_text()
    assert (
        "ReplicatedMergeTree('/clickhouse/tables/{shard}/usagehouse/points_local', '{replica}')"
        in text
    )
    assert "Distributed('usagehouse', 'usagehouse', 'points_local', cityHash64(_batch))" in text


def test_retention_change_alters_the_local_tables_on_every_node():
    assert schema.retention_ddl("usagehouse", 30, CLUSTER).startswith(
        "ALTER TABLE usagehouse.points_local ON CLUSTER 'usagehouse' MODIFY TTL "
        "timestamp + INTERVAL 30 DAY"
    )


async def test_the_server_starts_on_the_dbas_tables_and_reads_the_local_table(backend):
    """No DDL ran at start (ON CLUSTER would fail here), and the distributed names answer."""
    tables = await rows(
        backend,
        "SELECT name, engine FROM system.tables WHERE database = '{db}' ORDER BY name",
    )
    mode = await rows(backend, "SELECT getSetting('distributed_product_mode') AS mode")
    assert mode == [{"mode": "global"}]
    assert tables == sorted(
        [
            {"name": "meter_starts", "engine": "Distributed"},
            {"name": "meter_starts_local", "engine": "MergeTree"},
            {"name": "points", "engine": "Distributed"},
            {"name": "points_local", "engine": "MergeTree"},
            *(
                table
                for copy in ("points_r10", "points_r100")
                for table in (
                    {"name": copy, "engine": "Distributed"},
                    {"name": f"{copy}_local", "engine": "MergeTree"},
                    {"name": f"{copy}_mv", "engine": "MaterializedView"},
                )
            ),
        ],
        key=lambda table: table["name"],
    )


async def test_a_retried_insert_is_stored_once_through_the_distributed_table(backend):
    data = batch(3).encode()
    for _ in range(2):
        await backend.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, data, token="7-202606")
    await backend.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, data, token="8-202606")
    assert await count(backend) == 6
    local = await rows(backend, "SELECT count() AS n FROM {db}.points_local")
    assert local == [{"n": 6}]


async def test_queries_that_read_a_dataset_twice_run_on_the_distributed_table(
    server,  # noqa: F811 (the fixture imported above)
    backend,
):
    """IN and JOIN over the same dataset read the Distributed table in two places: ClickHouse
    refuses that when the inner read would be sent to the shards from inside the outer one."""
    points = [{"indexes": [c], "blobs": ["/a"], "doubles": [1.0]} for c in ("x", "y", "y")]
    assert (await server.post(write_url("acct"), json=points)).status == 200
    inner = "SELECT index1 FROM usage GROUP BY index1 HAVING count() > 1"
    got = await sql(server, "acct", f"SELECT count() AS n FROM usage WHERE index1 IN ({inner})")
    assert got == [{"n": "2"}]
    joined = await sql(
        server,
        "acct",
        "SELECT a.index1 AS c, count() AS n FROM usage AS a "
        f"JOIN ({inner}) AS b ON a.index1 = b.index1 GROUP BY c",
    )
    assert joined == [{"c": "y", "n": "2"}]


async def test_the_copies_fill_on_each_node_and_a_retried_insert_is_copied_once(backend):
    """The views run on the local tables where the points land; a retry that the points
    table deduplicates is deduplicated in the copies too (the views keep the same rows)."""
    from server.config import load_settings
    from server.sql.run import run_query

    data = batch(1_000).encode()
    copied = []
    for _ in range(2):
        await backend.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, data, token="9-202701")
        copied.append(
            [
                await rows(backend, f"SELECT count() AS n FROM {{db}}.{copy.table}")
                for copy in schema.COPIES
            ]
        )
    assert copied[0] == copied[1]
    [[r10], [r100]] = copied[0]
    assert 60 < r10["n"] < 140 and r100["n"] <= r10["n"]
    settings = load_settings({}, storage=backend.location)
    result = await run_query(
        backend, settings, "SELECT count() AS n FROM ds", account_id="acct", demand=schema.COPIES[0]
    )
    assert result.resolution.label == "10%"
    assert f'"n": "{r10["n"]}"' in result.body.decode()
