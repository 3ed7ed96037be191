"""`usagehouse schema` prints the DDL the server runs (golden file, parsed by ClickHouse), and
a points table that differs from it stops the server at start with what differs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server.cli import main
from server.errors import StorageUnavailable
from server.storage import DEFAULT_DATABASE, chdb_quirks, schema, sql_string
from server.storage.clickhouse import ClickHouseStorage
from tests.helpers import count

GOLDEN = Path(__file__).parent / "golden" / "schema.sql"
CLUSTER_GOLDEN = Path(__file__).parent / "golden" / "schema-cluster.sql"


def statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


@pytest.mark.parametrize(
    ("args", "golden", "cluster"),
    [([], GOLDEN, ""), (["--cluster", "usagehouse"], CLUSTER_GOLDEN, "usagehouse")],
    ids=["single-server", "cluster"],
)
def test_schema_command_prints_the_golden_ddl(capsys, monkeypatch, request, args, golden, cluster):
    monkeypatch.delenv("USAGEHOUSE_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("USAGEHOUSE_CLICKHOUSE_CLUSTER", raising=False)
    assert main(["schema", *args]) == 0
    printed = capsys.readouterr().out
    if request.config.getoption("--update-goldens"):
        golden.write_text(printed)
    assert printed == golden.read_text()
    assert statements(printed) == schema.all_ddl(DEFAULT_DATABASE, 92, cluster)


def test_schema_command_refuses_a_cluster_name_that_is_not_plain(capsys):
    with pytest.raises(SystemExit):
        main(["schema", "--cluster", "a'b"])
    assert 'argument --cluster: "a\'b" is not a plain cluster name' in capsys.readouterr().err


def test_schema_command_takes_the_database(capsys):
    assert main(["schema", "--database", "analytics"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("CREATE DATABASE IF NOT EXISTS analytics;\n\nCREATE TABLE")
    assert "analytics.points (" in printed and "usagehouse." not in printed


def _run_script(path: str, script: str) -> list[str]:
    """Each statement through ClickHouse's own parser (formatQuery), then executed."""
    client = chdb_quirks.connect(path)
    try:
        parsed = [
            client.raw_query(f"SELECT formatQuery({sql_string(s)})", fmt="TabSeparatedRaw")
            for s in statements(script)
        ]
        for statement in statements(script):
            client.command(statement)
        return [p.decode() for p in parsed]
    finally:
        client.close()


async def test_printed_ddl_parses_runs_and_is_what_the_server_expects(tmp_path):
    path = str(tmp_path / "ch")
    parsed = await asyncio.to_thread(_run_script, path, GOLDEN.read_text())
    assert [p.split("\n")[0] for p in parsed[:2]] == [
        "CREATE DATABASE IF NOT EXISTS usagehouse",
        "CREATE TABLE IF NOT EXISTS usagehouse.points",
    ]
    assert len(parsed) == len(schema.all_ddl(DEFAULT_DATABASE, 92))
    store = await ClickHouseStorage.open(path, 92)  # the check passes on the DBA's tables
    try:
        assert await count(store) == 0
    finally:
        await store.close()


def _create_points(path: str, columns: list[str]) -> None:
    client = chdb_quirks.connect(path)
    try:
        client.command(f"CREATE DATABASE {DEFAULT_DATABASE}")
        client.command(
            f"CREATE TABLE {DEFAULT_DATABASE}.points ({', '.join(columns)}) "
            "ENGINE = MergeTree ORDER BY (account_id, timestamp)"
        )
    finally:
        client.close()


async def test_a_points_table_that_differs_stops_the_start_naming_each_column(tmp_path):
    path = str(tmp_path / "ch")
    columns = [
        "account_id String",  # not LowCardinality: storage detail, accepted
        "dataset LowCardinality(String)",
        "timestamp DateTime('UTC')",
        "_sample_interval UInt32",
        "index1 String",
        "_blobs Array(Nullable(String)) EPHEMERAL",
        "_doubles Array(Float64) EPHEMERAL",
        *(f"blob{i} {'Nullable(String)' if i == 3 else 'String'}" for i in range(1, 21)),
        *(f"double{i} Float64" for i in range(1, 20)),
    ]
    await asyncio.to_thread(_create_points, path, columns)
    with pytest.raises(StorageUnavailable) as info:
        await ClickHouseStorage.open(path, 92)
    assert info.value.message == (
        "table usagehouse.points does not match this server: blob3 is Nullable(String), "
        "expected String; double20 is missing; _batch is missing "
        "(`usagehouse schema` prints the expected DDL)"
    )
