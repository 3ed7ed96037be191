"""USAGEHOUSE_SQL_MAX_RESULT_ROWS and _BYTES hold for the whole answer, whatever its shape.

Real embedded chDB through `run_query`, with limits small enough (100 rows, 10 KB) that every
shape below crosses them with a few hundred stored rows. One storage serves the module: the
queries only read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from server.app import create_app
from server.config import Settings, load_settings
from server.errors import QueryLimit, SqlRejected
from server.sql.run import run_query
from server.storage.clickhouse import ClickHouseStorage
from tests.sql.conftest import ACCOUNT, OTHER, embedded_storage

MAX_ROWS = 100
MAX_BYTES = 10_000
ROWS_ERROR = f"the answer has more than {MAX_ROWS} rows (USAGEHOUSE_SQL_MAX_RESULT_ROWS)"
BYTES_ERROR = f"the answer has more than {MAX_BYTES} bytes (USAGEHOUSE_SQL_MAX_RESULT_BYTES)"
FORMATS = ("JSON", "JSONEachRow", "TabSeparated")
LONG = "x" * 300

#: dataset -> stored rows: each alone is under the row limit except `big`.
DATASETS = {"big": 150, "mid": 90, "small": 20}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseStorage]:
    inserts = [
        "INSERT INTO {db}.points (account_id, dataset, timestamp, _sample_interval, index1, "
        f"_blobs, _doubles) SELECT '{account}', '{dataset}', now() - number, 1, "
        f"toString(number % 7), [toString(number)], [number] FROM numbers({n})"
        for account in (ACCOUNT, OTHER)
        for dataset, n in DATASETS.items()
    ]
    yield from embedded_storage(tmp_path_factory.mktemp("chdb"), inserts)


@pytest.fixture
def limited(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(sql_max_result_rows=MAX_ROWS, sql_max_result_bytes=MAX_BYTES)


async def run(storage: ClickHouseStorage, settings: Settings, query: str) -> bytes:
    result = await run_query(storage, settings, query, account_id=ACCOUNT)
    return result.body


def union_of(branch: str, times: int) -> str:
    return " UNION ALL ".join([branch] * times)


def short(value: object) -> str:
    """A test id that fits on a line."""
    text = str(value)
    return text if len(text) <= 60 else f"{text[:40]}...({len(text)} chars)"


#: Shapes whose answer has more than 100 rows although no part of them alone need have.
TOO_MANY_ROWS = [
    "SELECT blob1 FROM big",
    "SELECT blob1 FROM big LIMIT 101",
    "SELECT blob1 FROM big UNION ALL SELECT 'x' AS blob1",
    "SELECT 'x' AS blob1 UNION ALL SELECT blob1 FROM big",
    "SELECT blob1 FROM mid UNION ALL SELECT blob1 FROM small",
    "SELECT blob1 FROM big UNION DISTINCT SELECT 'x' AS blob1",
    union_of("SELECT 1 AS x", MAX_ROWS + 1),
    "SELECT * FROM (SELECT * FROM (SELECT blob1 FROM big))",
    "SELECT * FROM (SELECT blob1 FROM mid UNION ALL SELECT blob1 FROM small) AS u",
    "SELECT a.blob1 FROM small AS a JOIN mid AS b ON a.index1 = b.index1",
    "SELECT 1 AS one FROM small AS a, small AS b",
    "SELECT 1 AS one FROM small AS a CROSS JOIN small AS b CROSS JOIN small AS c",
    "WITH c AS (SELECT blob1 FROM mid) SELECT blob1 FROM c UNION ALL SELECT blob1 FROM c",
    "WITH c AS (SELECT blob1 FROM big) SELECT * FROM c",
    # A top level reading a table that holds only constants: not wrapped, checked all the same.
    f"WITH c AS ({union_of('SELECT 1 AS x', MAX_ROWS + 1)}) SELECT x FROM c",
    f"SELECT x FROM ({union_of('SELECT 1 AS x', MAX_ROWS + 1)})",
    "SELECT blob1 FROM big WHERE blob1 IN (SELECT blob1 FROM small) OR 1 = 1",
    "SELECT DISTINCT blob1 FROM big",
    "SELECT index1, blob1 FROM big ORDER BY blob1 LIMIT 20 BY index1 UNION ALL SELECT 'a', 'b'",
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", TOO_MANY_ROWS, ids=short)
async def test_every_shape_is_refused_past_the_row_limit(loaded, limited, query, fmt):
    with pytest.raises(QueryLimit) as info:
        await run(loaded, limited, f"{query} FORMAT {fmt}")
    assert info.value.message == ROWS_ERROR
    assert info.value.status == 422


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM weather ARRAY JOIN [1, 2, 3] AS x",
        "SELECT arrayJoin(range(1000)) AS x",
        "SELECT * FROM numbers(1000)",
    ],
)
async def test_row_multipliers_off_the_allow_list_are_rejected(loaded, limited, query):
    with pytest.raises(SqlRejected):
        await run(loaded, limited, query)


async def test_an_answer_at_the_row_limit_is_returned_whole(loaded, limited):
    body = await run(
        loaded,
        limited,
        f"SELECT blob1 FROM big ORDER BY double1 LIMIT {MAX_ROWS} FORMAT TabSeparated",
    )
    assert body.splitlines() == [str(n).encode() for n in range(MAX_ROWS)]
    union = union_of("SELECT 1 AS x", MAX_ROWS)
    assert (await run(loaded, limited, f"{union} FORMAT TabSeparated")) == b"1\n" * MAX_ROWS


#: Fewer than 100 rows, more than 10 KB: long values, constants ClickHouse counts once per
#: block, and (in JSON) a long column name repeated on every row.
TOO_MANY_BYTES = [
    ("SELECT concat(blob1, '" + LONG + "') AS s FROM mid", FORMATS),
    ("SELECT '" + LONG + "' AS s FROM mid", FORMATS),
    ("SELECT concat(blob1, '" + LONG + "') AS s FROM mid UNION ALL SELECT 'x' AS s", FORMATS),
    (union_of("SELECT '" + LONG + "' AS s", 40), FORMATS),
    ("SELECT * FROM mid", ("JSON", "JSONEachRow")),
    ("SELECT blob1 = '" + LONG + "' FROM mid", ("JSON", "JSONEachRow")),
    ("SELECT 1 AS `" + LONG + "` FROM mid", ("JSON", "JSONEachRow")),
]


@pytest.mark.parametrize(
    ("query", "fmt"),
    [(query, fmt) for query, formats in TOO_MANY_BYTES for fmt in formats],
    ids=short,
)
async def test_every_shape_is_refused_past_the_byte_limit(loaded, limited, query, fmt):
    with pytest.raises(QueryLimit) as info:
        await run(loaded, limited, f"{query} FORMAT {fmt}")
    assert info.value.message == BYTES_ERROR


async def test_the_byte_limit_counts_the_answer_as_sent(loaded, limited):
    # The same 90 rows: a short TabSeparated answer, a JSON answer over 10 KB of names.
    query = "SELECT blob1 = '" + LONG + "' FROM mid"
    assert await run(loaded, limited, f"{query} FORMAT TabSeparated") == b"0\n" * 90
    with pytest.raises(QueryLimit):
        await run(loaded, limited, query)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "query",
    [*TOO_MANY_ROWS, *(query for query, _ in TOO_MANY_BYTES), "SELECT blob1 FROM mid"],
    ids=short,
)
async def test_no_answer_is_larger_than_the_limits(loaded, limited, query, fmt):
    try:
        body = await run(loaded, limited, f"{query} FORMAT {fmt}")
    except QueryLimit as e:
        assert e.message in (ROWS_ERROR, BYTES_ERROR)  # noqa: PT017 (an answer is right too)
    else:
        assert len(body) <= MAX_BYTES
        if fmt != "JSON":
            assert body.count(b"\n") <= MAX_ROWS


async def test_the_limits_come_from_settings(loaded, make_settings: Callable[..., Any]):
    roomy = make_settings(sql_max_result_rows=1000, sql_max_result_bytes=1_000_000)
    body = await run(loaded, roomy, "SELECT blob1 FROM big UNION ALL SELECT 'x' FORMAT JSONEachRow")
    assert body.count(b"\n") == 151


async def test_the_sql_api_answers_422_naming_the_limit_and_its_setting(aiohttp_client, loaded):
    settings = load_settings(
        {}, storage=loaded.location, sampling="off", sql_max_result_rows=MAX_ROWS
    )
    client = await aiohttp_client(create_app(settings, storage=loaded))
    url = f"/client/v4/accounts/{ACCOUNT}/analytics_engine/sql"
    resp = await client.post(url, data=b"SELECT blob1 FROM big UNION ALL SELECT 'x'")
    assert resp.status == 422
    assert resp.content_type == "text/plain"
    assert await resp.text() == ROWS_ERROR
