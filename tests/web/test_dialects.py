"""The SQL dialects through a real server at Cloudflare's URL: WAE's 422s in `wae`, the
portability warning in `extended`, the per-request choice both ways, WAE's type names in
`meta`, SHOW TABLES' columns, and WAE's documented examples answering as documented."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import load_settings
from server.storage.clickhouse import ClickHouseStorage

ACCOUNT = "0123456789abcdef0123456789abcdef"
SQL_URL = f"/client/v4/accounts/{ACCOUNT}/analytics_engine/sql"
DAY = 86_400
T0 = (int(time.time()) // DAY - 10) * DAY  # midnight UTC ten days ago
WARNING = "Usagehouse-Warning"

#: (query, WAE's 422 message, the warning's name for it): what WAE users report failing.
REJECTED = [
    (
        "SELECT blob1, CASE WHEN double1 > 15 THEN 'warm' ELSE 'cold' END AS feel FROM weather",
        "unsupported expression type: CASE WHEN",
        "CASE WHEN",
    ),
    (
        "SELECT DISTINCT blob1 FROM weather",
        "selection used unsupported features: SELECT DISTINCT",
        "SELECT DISTINCT",
    ),
    ("SELECT uniq(blob1) FROM weather", "unsupported function: uniq", "uniq"),
    (
        "SELECT COUNT(*) FROM weather",
        "unsupported expression type: count(*) (write count())",
        "count(*)",
    ),
    (
        "SELECT multiIf(double1 > 20, 'hot', double1 > 10, 'mild', 'cold') AS feel FROM weather",
        "unsupported function: multiIf",
        "multiIf",
    ),
    (
        "SELECT a.blob1 FROM weather AS a JOIN weather AS b ON a.blob1 = b.blob1",
        "selection used unsupported features: JOIN",
        "JOIN",
    ),
    (
        "SELECT blob1 FROM weather UNION ALL SELECT blob2 FROM weather",
        "selection used unsupported features: UNION",
        "UNION",
    ),
]
IDS = [label for _, _, label in REJECTED]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def loaded_storage(tmp_path_factory) -> AsyncIterator[ClickHouseStorage]:
    """weather: London (oldest, 12.5), Paris (20), Austin (newest, 31.25); one per hour."""
    path = tmp_path_factory.mktemp("dialects")
    store = await ClickHouseStorage.open(str(path / "chdb"), retention_days=92)
    app = create_app(load_settings({}, storage=str(path)), storage=store)
    points = [
        {"indexes": ["eu"], "blobs": [city, country], "doubles": [temp], "timestamp": at * 1000}
        for city, country, temp, at in (
            ("London", "GB", 12.5, T0 + 3600),
            ("Paris", "FR", 20.0, T0 + 7200),
            ("Austin", "US", 31.25, T0 + 10800),
        )
    ]
    async with TestClient(TestServer(app)) as client:
        resp = await client.post(f"/v1/accounts/{ACCOUNT}/datasets/weather/points", json=points)
        assert resp.status == 200, await resp.text()
    yield store
    await store.close()


async def _client(aiohttp_client, make_settings, storage, registry, **settings: Any) -> Any:
    app = create_app(make_settings(**settings), storage=storage, registry=registry)
    return await aiohttp_client(app)


@pytest.fixture
async def extended(aiohttp_client, make_settings, loaded_storage, registry):
    """A server with the default dialect."""
    return await _client(aiohttp_client, make_settings, loaded_storage, registry)


@pytest.fixture
async def wae(aiohttp_client, make_settings, loaded_storage, registry):
    """A server started with USAGEHOUSE_SQL_DIALECT=wae."""
    return await _client(aiohttp_client, make_settings, loaded_storage, registry, sql_dialect="wae")


async def sql(client: Any, text: str, headers: dict | None = None, **params: str) -> Any:
    return await client.post(SQL_URL, data=text.encode(), params=params, headers=headers)


@pytest.mark.parametrize(("query", "message", "label"), REJECTED, ids=IDS)
async def test_wae_rejects_with_waes_422(wae, query, message, label):
    resp = await sql(wae, query)
    assert resp.status == 422
    assert resp.content_type == "text/plain"
    assert await resp.text() == message
    assert WARNING not in resp.headers


@pytest.mark.parametrize(("query", "message", "label"), REJECTED, ids=IDS)
async def test_extended_runs_it_and_warns(extended, query, message, label):
    resp = await sql(extended, query)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["rows"] > 0
    assert resp.headers[WARNING] == f"not portable to WAE: {label}"


async def test_the_warning_names_every_feature_once(extended):
    resp = await sql(
        extended,
        "SELECT uniq(a.blob1) AS u, CASE WHEN count() > 1 THEN 'many' END AS c, uniq(b.blob2) "
        "FROM weather AS a JOIN weather AS b ON a.blob1 = b.blob1",
    )
    assert resp.status == 200, await resp.text()
    assert resp.headers[WARNING] == "not portable to WAE: CASE WHEN, JOIN, uniq"


async def test_a_portable_query_has_no_warning(extended):
    resp = await sql(extended, "SELECT blob1, if(double1 > 15, 'warm', 'cold') FROM weather")
    assert resp.status == 200
    assert WARNING not in resp.headers


async def test_a_request_asks_for_extended_on_a_wae_server(wae):
    query, _, label = REJECTED[0]
    for headers, params in (
        ({}, {"dialect": "extended"}),
        ({"Usagehouse-Dialect": "EXTENDED"}, {}),
    ):
        resp = await sql(wae, query, headers, **params)
        assert resp.status == 200, await resp.text()
        assert resp.headers[WARNING] == f"not portable to WAE: {label}"


async def test_a_request_asks_for_wae_on_an_extended_server(extended):
    query, message, _ = REJECTED[1]
    for headers, params in (({}, {"dialect": "wae"}), ({"Usagehouse-Dialect": "wae"}, {})):
        resp = await sql(extended, query, headers, **params)
        assert resp.status == 422
        assert await resp.text() == message


async def test_the_parameter_wins_over_the_header(extended):
    query, message, _ = REJECTED[2]
    resp = await sql(extended, query, {"Usagehouse-Dialect": "extended"}, dialect="wae")
    assert resp.status == 422 and await resp.text() == message


async def test_get_takes_the_dialect_too(extended):
    resp = await extended.get(SQL_URL, params={"query": REJECTED[0][0], "dialect": "wae"})
    assert resp.status == 422 and await resp.text() == REJECTED[0][1]


@pytest.mark.parametrize(
    ("headers", "params", "message"),
    [
        ({}, {"dialect": "strict"}, "?dialect must be wae or extended, not 'strict'"),
        (
            {"Usagehouse-Dialect": "clickhouse"},
            {},
            "the Usagehouse-Dialect header must be wae or extended, not 'clickhouse'",
        ),
    ],
)
async def test_an_unknown_dialect_is_a_400_naming_it(extended, headers, params, message):
    resp = await sql(extended, "SELECT 1", headers, **params)
    assert resp.status == 400
    assert await resp.text() == message


async def test_meta_uses_waes_type_names(wae):
    resp = await sql(wae, "SELECT * FROM weather ORDER BY timestamp LIMIT 1")
    assert resp.status == 200
    types = {column["name"]: column["type"] for column in (await resp.json())["meta"]}
    assert types == {
        "dataset": "String",
        "timestamp": "DateTime",
        "_sample_interval": "UInt32",
        "index1": "String",
        **{f"blob{i}": "String" for i in range(1, 21)},
        **{f"double{i}": "Float64" for i in range(1, 21)},
    }


async def test_meta_of_computed_columns(extended):
    resp = await sql(
        extended,
        "SELECT toStartOfMonth(timestamp) AS month, toStartOfInterval(timestamp, INTERVAL '1' "
        "HOUR) AS hour, sum(_sample_interval) AS n, avg(double1) AS mean, topK(2)(dataset) AS "
        "top FROM weather GROUP BY month, hour ORDER BY hour LIMIT 1",
    )
    body = await resp.json()
    assert body["meta"] == [
        {"name": "month", "type": "DateTime"},
        {"name": "hour", "type": "DateTime"},
        {"name": "n", "type": "UInt64"},
        {"name": "mean", "type": "Float64"},
        {"name": "top", "type": "Array(String)"},
    ]
    start = time.strftime("%Y-%m-01 00:00:00", time.gmtime(T0))
    assert body["data"][0]["month"] == start


async def test_show_tables_answers_dataset_and_type(wae):
    resp = await sql(wae, "SHOW TABLES")
    assert resp.status == 200
    assert await resp.json() == {
        "meta": [{"name": "dataset", "type": "String"}, {"name": "type", "type": "String"}],
        "data": [{"dataset": "weather", "type": "DATASET"}],
        "rows": 1,
        "rows_before_limit_at_least": 1,
    }


@pytest.mark.parametrize(
    ("query", "data"),
    [
        ("SELECT first_value(blob1) FROM weather ORDER BY timestamp ASC",
         [{"first_value(blob1)": "London"}]),
        ("SELECT last_value(blob1) FROM weather ORDER BY timestamp DESC",
         [{"last_value(blob1)": "London"}]),
        ("SELECT first_value(blob1) AS newest FROM weather ORDER BY timestamp DESC",
         [{"newest": "Austin"}]),
        ("SELECT blob1 FROM weather WHERE bitTest(double1, 2) ORDER BY timestamp",
         [{"blob1": "London"}, {"blob1": "Paris"}, {"blob1": "Austin"}]),
        ("SELECT quantileWeighted(0.50)(double1, _sample_interval) AS median FROM weather",
         [{"median": 20}]),
        ("SELECT toStartOfMonth(toDateTime('2025-10-27 00:00:00')) AS m, "
         "toStartOfWeek(toDateTime('2025-10-29 00:00:00')) AS w, "
         "toStartOfYear(toDateTime('2025-10-27 00:00:00')) AS y",
         [{"m": "2025-10-01 00:00:00", "w": "2025-10-27 00:00:00", "y": "2025-01-01 00:00:00"}]),
    ],
)  # fmt: skip
async def test_waes_documented_examples_answer_as_documented(wae, query, data):
    resp = await sql(wae, query)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["data"] == data
