"""One contract, both backends: embedded chDB always; a ClickHouse server when available
(testcontainers with a Docker engine, or USAGEHOUSE_TEST_CLICKHOUSE_URL)."""

from __future__ import annotations

import orjson
import pytest

from server.errors import QueryLimit, QueryTimeout, SqlError, SqlRejected, StorageUnavailable
from server.storage import InsertBatch, Rows, Storage, join, new_batch_id, schema
from server.storage.clickhouse import ClickHouseStorage, parse_url
from server.storage.errors import query_error
from tests.conftest import REMOTE_URL_ENV, remote_url_or_skip
from tests.helpers import rows


def batch(n: int, batch_id: int = 7) -> InsertBatch:
    return InsertBatch(
        ["acct"] * n,
        ["ds"] * n,
        [1_800_000_000 + i for i in range(n)],
        [1 + i % 3 for i in range(n)],
        [f"c{i % 4}" for i in range(n)],
        [["/a", None, "x" * i] for i in range(n)],
        [[float(i), -1.5] for i in range(n)],
        batch_id,
    )


async def insert(store: Storage, b: InsertBatch) -> None:
    await store.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, b.encode())


async def test_inserted_rows_read_back_exactly(backend):
    await insert(backend, batch(5))
    got = await rows(
        backend,
        "SELECT index1, _sample_interval AS si, blob1, blob2, blob3, double1, double2, double3,"
        " toUnixTimestamp(timestamp) AS ts, _batch FROM {db}.points ORDER BY ts",
    )
    assert got[4] == {
        "index1": "c0",
        "si": 2,
        "blob1": "/a",
        "blob2": "",
        "blob3": "xxxx",
        "double1": 4,
        "double2": -1.5,
        "double3": 0,
        "ts": 1_800_000_004,
        "_batch": 7,
    }
    assert [r["si"] for r in got] == [1, 2, 3, 1, 2]


async def test_an_insert_repeated_with_its_token_is_stored_once(backend):
    data = batch(3).encode()
    token = f"{new_batch_id()}-202701"  # a server's table may remember tokens of earlier runs
    for _ in range(2):
        await backend.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, data, token=token)
    assert await rows(backend, "SELECT count() AS n FROM {db}.points") == [{"n": 3}]
    await backend.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, data, token=token + "-b")
    assert await rows(backend, "SELECT count() AS n FROM {db}.points") == [{"n": 6}]


async def test_a_flush_of_several_requests_is_one_part_stored_once_with_every_value(backend):
    """The write path's insert: the rows of several requests and bookkeeping rows, joined."""
    batch_id = new_batch_id()
    ts = 1_800_000_000
    wide = Rows.encode(
        "acct-é", "ds", [ts], [2**32 - 1], ["ünï€ode"],
        [[f"b{i}" if i % 2 else None for i in range(1, 21)]], [[float(i) for i in range(1, 21)]],
    )  # fmt: skip
    narrow = Rows.encode("acct", "ds2", [ts + 1, ts + 2], [1, 3], ["c", ""], [[], ["x"]], [[], [7]])
    records: list[list[str | None]] = [["m", "d"], ['{"ok":true}', "f"]]
    bookkeeping = Rows.encode(
        ["a1", "a2"], ["#counters", "#idempotency"], [ts, ts], [0, 0], ["k1", "k2"], records,
        [[1.0], [2.5]],
    )  # fmt: skip
    data = join([wide, Rows.encode("x", "y", [], [], [], [], []), narrow, bookkeeping], batch_id)
    token = f"{batch_id}-202701"
    for _ in range(2):
        await backend.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, data, token=token)
    blobs = ", ".join(schema.BLOB_COLUMNS)
    doubles = ", ".join(schema.DOUBLE_COLUMNS)
    got = await rows(
        backend,
        f"SELECT account_id, dataset, toUnixTimestamp(timestamp) AS ts, _sample_interval AS si, "
        f"index1, [{blobs}] AS b, [{doubles}] AS d, _part FROM {{db}}.points "
        f"WHERE _batch = {batch_id} ORDER BY ts, account_id",
    )
    assert len({row.pop("_part") for row in got}) == 1
    assert got == [
        {"account_id": "a1", "dataset": "#counters", "ts": ts, "si": 0, "index1": "k1",
         "b": ["m", "d"] + [""] * 18, "d": [1.0] + [0.0] * 19},
        {"account_id": "a2", "dataset": "#idempotency", "ts": ts, "si": 0, "index1": "k2",
         "b": ['{"ok":true}', "f"] + [""] * 18, "d": [2.5] + [0.0] * 19},
        {"account_id": "acct-é", "dataset": "ds", "ts": ts, "si": 2**32 - 1, "index1": "ünï€ode",
         "b": ["" if i % 2 == 0 else f"b{i}" for i in range(1, 21)],
         "d": [float(i) for i in range(1, 21)]},
        {"account_id": "acct", "dataset": "ds2", "ts": ts + 1, "si": 1, "index1": "c",
         "b": [""] * 20, "d": [0.0] * 20},
        {"account_id": "acct", "dataset": "ds2", "ts": ts + 2, "si": 3, "index1": "",
         "b": ["x"] + [""] * 19, "d": [7.0] + [0.0] * 19},
    ]  # fmt: skip


async def test_integer_doubles_no_double_holds_exactly_are_stored_rounded(backend):
    """orjson (large bodies) keeps JSON integers as ints, up to 2**64 - 1 (an Arrow insert
    built with pa.array refused those past 2**53)."""
    doubles: list[list[float]] = [[2**53 + 1, 2**64 - 1, -(2**63), 7]]
    rows_ = Rows.encode("acct", "ds", [1_800_000_000], [1], ["c"], [[]], doubles)
    await backend.insert_columns(schema.TABLE, schema.INSERT_COLUMNS, join([rows_], 5))
    got = await rows(backend, "SELECT double1, double2, double3, double4 FROM {db}.points")
    assert [list(map(float, got[0].values()))] == [[2.0**53, 2.0**64, -(2.0**63), 7.0]]


async def test_schema_has_the_wae_columns_and_sort_key(backend):
    cols = await rows(
        backend,
        "SELECT name, type FROM system.columns WHERE database = '{db}' AND table = 'points'"
        " AND default_kind != 'EPHEMERAL'",
    )
    types = {c["name"]: c["type"] for c in cols}
    for name, kind in schema.WAE_COLUMN_TYPES.items():
        assert types[name].replace("LowCardinality(String)", "String") == kind
    [table] = await rows(
        backend,
        "SELECT sorting_key, partition_key FROM system.tables"
        " WHERE database = '{db}' AND name = 'points'",
    )
    assert table == {
        "sorting_key": "account_id, dataset, index1, timestamp",
        "partition_key": "toYYYYMM(timestamp)",
    }


async def test_schema_creation_is_idempotent_and_retention_is_applied(backend):
    await insert(backend, batch(3))
    await schema.migrate(backend, backend.database, 92)
    await schema.migrate(backend, backend.database, 30)
    [table] = await rows(
        backend,
        "SELECT engine_full FROM system.tables WHERE database = '{db}' AND name = 'points'",
    )
    assert "TTL timestamp + toIntervalDay(30)" in table["engine_full"]
    assert len(await rows(backend, "SELECT 1 FROM {db}.points")) == 3


async def test_query_formats_are_clickhouse_serialisation(backend):
    await insert(backend, batch(2))
    data = await backend.query(
        f"SELECT count() AS n FROM {backend.database}.points",
        "JSON",
        {"output_format_json_quote_64bit_integers": 1},
    )
    parsed = orjson.loads(data)
    assert parsed["data"] == [{"n": "2"}]
    assert parsed["meta"] == [{"name": "n", "type": "UInt64"}]
    tsv = await backend.query(f"SELECT index1 FROM {backend.database}.points ORDER BY 1", "TSV")
    assert tsv == b"c0\nc1\n"
    assert await backend.query("SELECT 1 WHERE 0", "JSONEachRow") == b""


async def test_bad_sql_is_a_sql_error_with_a_one_line_message(backend):
    with pytest.raises(SqlError) as info:
        await backend.query("SELECT nope FROM " + backend.database + ".points")
    assert "nope" in info.value.message and "\n" not in info.value.message


async def test_readonly_setting_blocks_writes(backend):
    with pytest.raises(SqlRejected):
        await backend.query(
            f"INSERT INTO {backend.database}.points (index1) SELECT 'x'",
            "JSON",
            {"readonly": 1},
        )


async def test_time_limit_is_a_query_timeout(backend):
    with pytest.raises(QueryTimeout):
        await backend.query(
            "SELECT count() FROM system.numbers WHERE sipHash64(number) = 0",
            "JSON",
            {"max_execution_time": 0.5, "timeout_overflow_mode": "throw"},
        )


async def test_ping_answers(backend):
    await backend.ping()


def test_storage_urls_parse():
    assert parse_url("https://u%40x:p%3Aw@ch.example:9443/analytics") == {
        "host": "ch.example",
        "port": 9443,
        "username": "u@x",
        "password": "p:w",
        "secure": True,
        "database": "analytics",
    }
    assert parse_url("http://ch")["port"] == 8123
    with pytest.raises(ValueError, match="database name 'db;drop' is not a plain name"):
        parse_url("http://ch/db;drop")


async def test_unreachable_server_is_storage_unavailable():
    port_nobody_listens_on = "http://default:@127.0.0.1:9/db"
    with pytest.raises(StorageUnavailable):
        await ClickHouseStorage.open(port_nobody_listens_on, 92)


def test_remote_skip_reason_says_how_to_enable(monkeypatch, tmp_path):
    """Without a URL and without a Docker engine (a socket nobody listens on), the remote
    variant skips and says both ways to enable it."""
    monkeypatch.delenv(REMOTE_URL_ENV, raising=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")
    with pytest.raises(pytest.skip.Exception) as skipped:
        remote_url_or_skip()
    assert REMOTE_URL_ENV in str(skipped.value) and "Docker" in str(skipped.value)


def test_a_remote_url_is_used_as_it_is(monkeypatch):
    monkeypatch.setenv(REMOTE_URL_ENV, "http://user:pass@ch:8123/db")
    assert remote_url_or_skip() == "http://user:pass@ch:8123/db"


async def test_failed_query_output_never_reaches_the_next_query(location):
    # One query connection, so the next query runs on the connection the failed one used.
    store = await ClickHouseStorage.open(location, 92, query_connections=1)
    try:
        for fmt in ("JSON", "JSONEachRow", "TabSeparated"):
            with pytest.raises(SqlError):
                await store.query(
                    "SELECT number FROM system.numbers LIMIT 1000000",
                    fmt,
                    {"max_result_rows": 1000, "result_overflow_mode": "throw"},
                )
            assert await store.query("SELECT 1 AS x", "JSONEachRow") == b'{"x":1}\n'
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            "Code: 159. DB::Exception: Timeout exceeded: elapsed 5.1 seconds. (TIMEOUT_EXCEEDED)",
            QueryTimeout,
            "query exceeded the time limit: Timeout exceeded: elapsed 5.1 seconds.",
        ),
        (
            "Code: 210. DB::Exception: Connection refused (ch-2:9000). (NETWORK_ERROR)",
            StorageUnavailable,
            "ClickHouse is unavailable: Connection refused (ch-2:9000).",
        ),
        (
            "Code: 202. DB::Exception: Too many simultaneous queries. Maximum: 100. "
            "(TOO_MANY_SIMULTANEOUS_QUERIES) (version 25.8.1.1)",
            StorageUnavailable,
            "ClickHouse is unavailable: Too many simultaneous queries. Maximum: 100.",
        ),
        (
            "Code: 241. DB::Exception: Query memory limit exceeded: would use 8.89 MiB, maximum: "
            "4.77 MiB: (while reading column blob1): (while reading from part /data/store/cb8/ "
            "in table usagehouse.points): While executing MergeTreeSelect. (MEMORY_LIMIT_EXCEEDED)",
            QueryLimit,
            "query exceeded a resource limit: Query memory limit exceeded: would use 8.89 MiB, "
            "maximum: 4.77 MiB",
        ),
        (
            "Code: 47. DB::Exception: Unknown expression identifier `x`. In scope SELECT x FROM "
            "(SELECT ... WHERE account_id = 'acct') SETTINGS readonly = 2. (UNKNOWN_IDENTIFIER)",
            SqlError,
            "Unknown expression identifier `x`",
        ),
    ],
)
def test_clickhouse_errors_map_to_the_right_status(text, kind, message):
    error = query_error(text)
    assert type(error) is kind
    assert error.message == message
