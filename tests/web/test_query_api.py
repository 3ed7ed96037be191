"""The SQL API at Cloudflare's URL: formats, auth envelope, errors, and the billing recipe."""

from __future__ import annotations

import io
import time

import orjson
import pytest

from server.app import create_app

ACCOUNT = "0123456789abcdef0123456789abcdef"
SQL_URL = f"/client/v4/accounts/{ACCOUNT}/analytics_engine/sql"
WRITE_URL = f"/v1/accounts/{ACCOUNT}/datasets/usage_indexed_by_customer_id/points"
DAY = 86_400
T0 = (int(time.time()) // DAY - 40) * DAY  # midnight UTC, 40 days ago


@pytest.fixture
async def loaded(client):
    """Three customers, two endpoints, points over three days."""
    points = []
    for day in range(3):
        for customer, per_day in (("alice", 5), ("bob", 2), ("carol", 1)):
            for i in range(per_day):
                endpoint = "/api/export" if i % 2 else "/api/list"
                points.append(
                    {
                        "indexes": [customer],
                        "blobs": [endpoint],
                        "doubles": [10.0 * (i + 1)],
                        "timestamp": (T0 + day * DAY + 3600 + i) * 1000,
                    }
                )
    resp = await client.post(WRITE_URL, json=points)
    assert await resp.json() == {"ok": True, "accepted": 24, "stored": 24}
    return client


async def sql(client, text: str, **params: str):
    return await client.post(SQL_URL, data=text.encode(), params=params)


async def test_recipe_usage_per_customer(loaded):
    resp = await sql(
        loaded,
        "SELECT index1 AS customer_id, sum(_sample_interval) AS count "
        "FROM usage_indexed_by_customer_id GROUP BY customer_id ORDER BY customer_id",
    )
    assert resp.status == 200
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert body["meta"] == [
        {"name": "customer_id", "type": "String"},
        {"name": "count", "type": "UInt64"},
    ]
    assert body["data"] == [
        {"customer_id": "alice", "count": "15"},
        {"customer_id": "bob", "count": "6"},
        {"customer_id": "carol", "count": "3"},
    ]
    assert body["rows"] == 3 and body["rows_before_limit_at_least"] == 3


async def test_recipe_one_customer_month_daily_breakdown(loaded):
    start = time.strftime("%Y-%m-%d 00:00:00", time.gmtime(T0))
    end = time.strftime("%Y-%m-%d 00:00:00", time.gmtime(T0 + 30 * DAY))
    resp = await sql(
        loaded,
        "SELECT index1 AS customer_id, blob1 AS request_endpoint, "
        "toStartOfInterval(timestamp, INTERVAL '1' DAY) AS date, "
        "sum(_sample_interval) AS count FROM usage_indexed_by_customer_id "
        f"WHERE customer_id = 'alice' AND timestamp >= toDateTime('{start}') "
        f"AND timestamp < toDateTime('{end}') "
        "GROUP BY customer_id, date, request_endpoint ORDER BY date, request_endpoint",
    )
    body = await resp.json()
    days = [time.strftime("%Y-%m-%d 00:00:00", time.gmtime(T0 + d * DAY)) for d in range(3)]
    assert body["data"] == [
        row
        for day in days
        for row in (
            {"customer_id": "alice", "request_endpoint": "/api/export", "date": day, "count": "2"},
            {"customer_id": "alice", "request_endpoint": "/api/list", "date": day, "count": "3"},
        )
    ]


async def test_json_each_row_and_tab_separated(loaded):
    q = "SELECT index1, count() FROM usage_indexed_by_customer_id GROUP BY index1 ORDER BY index1"
    resp = await sql(loaded, q + " FORMAT JSONEachRow")
    assert resp.content_type == "application/x-ndjson"
    lines = (await resp.read()).splitlines()
    assert [orjson.loads(line) for line in lines] == [
        {"index1": "alice", "count()": "15"},
        {"index1": "bob", "count()": "6"},
        {"index1": "carol", "count()": "3"},
    ]
    resp = await sql(loaded, q + " FORMAT TabSeparated")
    assert await resp.read() == b"alice\t15\nbob\t6\ncarol\t3\n"
    resp = await sql(
        loaded, "SELECT 1 AS x FROM usage_indexed_by_customer_id WHERE 0 FORMAT JSONEachRow"
    )
    assert resp.status == 200 and await resp.read() == b""


async def test_64bit_integers_as_numbers_on_request(loaded):
    q = "SELECT count() AS n FROM usage_indexed_by_customer_id"
    for off in ("0", "false"):
        body = await (await sql(loaded, q, output_format_json_quote_64bit_integers=off)).json()
        assert body["data"] == [{"n": 24}]
    body = await (await sql(loaded, q, output_format_json_quote_64bit_integers="true")).json()
    assert body["data"] == [{"n": "24"}]
    resp = await sql(loaded, q, output_format_json_quote_64bit_integers="maybe")
    assert resp.status == 400
    assert "output_format_json_quote_64bit_integers must be 0, 1, true or false" in (
        await resp.text()
    )


async def test_get_with_query_parameter_and_altinity_style_suffix(loaded):
    q = "SELECT count() AS n FROM usage_indexed_by_customer_id FORMAT JSON;"
    resp = await loaded.get(SQL_URL, params={"query": q})
    assert (await resp.json())["data"] == [{"n": "24"}]
    probe = await loaded.post(SQL_URL, data=b"SELECT timezone() FORMAT JSON;")
    assert (await probe.json())["data"] == [{"timezone()": "Etc/UTC"}]


async def test_curl_form_encoded_body_is_plain_sql(loaded):
    resp = await loaded.post(
        SQL_URL,
        data=b"SELECT count() AS n FROM usage_indexed_by_customer_id",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (await resp.json())["data"] == [{"n": "24"}]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM system.parts",
        "SELECT 1; SELECT 2",
        "INSERT INTO usage_indexed_by_customer_id VALUES (1)",
        "SELECT * FROM url('http://127.0.0.1:9/x', CSV)",
        "SELECT * FROM usage_indexed_by_customer_id SETTINGS readonly = 0",
        "SELECT nosuchcolumn FROM usage_indexed_by_customer_id",
        "SELEC 1",
    ],
)
async def test_rejected_sql_is_422_one_line_plain_text(loaded, text):
    resp = await sql(loaded, text)
    assert resp.status == 422
    assert resp.content_type == "text/plain"
    body = await resp.text()
    assert body and "\n" not in body


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("SELECT intDiv(1, 0)", "Division by zero"),
        (
            "SELECT blob1 FROM usage_indexed_by_customer_id GROUP BY blob2",
            "is not under aggregate function and not in GROUP BY keys",
        ),
        ("SELECT toDateTime(blob1) FROM usage_indexed_by_customer_id", "Cannot parse DateTime"),
        ("SELECT -- nothing", "SELECT needs at least one expression"),
        ("SELECT 1e400", "invalid number 1e400"),
        ("SELECT now() - INTERVAL 'x' DAY", "needs a whole number"),
        (
            "SELECT count() FROM my-dataset",
            'dataset names with "-" go in double quotes: FROM "my-dataset" (double quotes are',
        ),
        (
            'SELECT count() FROM usage_indexed_by_customer_id WHERE blob1 = "/api"',
            '"/api" is a quoted name, and no column has it: write strings in single quotes, '
            "'/api' (double quotes are for names)",
        ),
    ],
)
async def test_sql_errors_name_the_mistake_not_the_translated_statement(loaded, text, reason):
    resp = await sql(loaded, text)
    assert resp.status == 422
    body = await resp.text()
    assert reason in body
    for internal in ("SETTINGS", "usagehouse.points", "account_id", "__table", ACCOUNT):
        assert internal not in body, body


@pytest.mark.parametrize(("body", "params"), [(b"", {}), (b"  ", {}), (b"\xff\xfe", {})])
async def test_missing_or_undecodable_sql_is_400(loaded, body, params):
    resp = await loaded.post(SQL_URL, data=body, params=params)
    assert resp.status == 400


async def test_auth_failures_use_cloudflare_envelope(aiohttp_client, make_settings, storage):
    app = create_app(
        make_settings(tokens=f"reader:{ACCOUNT}:r,writer:{ACCOUNT}:w"), storage=storage
    )
    client = await aiohttp_client(app)
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": "Bearer writer"}, 403),
    ):
        resp = await client.post(SQL_URL, data=b"SELECT 1", headers=headers)
        assert resp.status == status
        body = await resp.json()
        assert body["success"] is False
        assert body["errors"][0]["message"]
    other = "/client/v4/accounts/other/analytics_engine/sql"
    resp = await client.post(other, data=b"SELECT 1", headers={"Authorization": "Bearer reader"})
    assert resp.status == 403
    ok = await client.post(
        SQL_URL, data=b"SELECT 1 AS x", headers={"Authorization": "Bearer reader"}
    )
    assert (await ok.json())["data"] == [{"x": 1}]


async def test_accounts_never_see_each_other(loaded):
    other = "/client/v4/accounts/intruder/analytics_engine/sql"
    resp = await loaded.post(other, data=b"SELECT count() AS n FROM usage_indexed_by_customer_id")
    assert (await resp.json())["data"] == [{"n": "0"}]
    tables = await loaded.post(other, data=b"SHOW TABLES FORMAT JSONEachRow")
    assert await tables.read() == b""


async def test_query_metrics_by_outcome(loaded, registry):
    await sql(loaded, "SELECT 1")
    await sql(loaded, "SELECT * FROM system.parts")
    get = registry.get_sample_value
    assert get("usagehouse_sql_query_duration_seconds_count", {"outcome": "ok"}) == 1
    assert get("usagehouse_sql_query_duration_seconds_count", {"outcome": "sql_rejected"}) == 1


async def test_long_statement_is_translated_off_the_event_loop(loaded):
    # Statements over 2,000 characters are translated on a worker thread; same exact answer.
    excluded = ", ".join(f"'/nowhere/{i}'" for i in range(300))
    resp = await sql(
        loaded,
        "SELECT sum(double1) AS s FROM usage_indexed_by_customer_id "
        f"WHERE blob1 NOT IN ({excluded})",
    )
    assert resp.status == 200, await resp.text()
    per_day = (10 + 20 + 30 + 40 + 50) + (10 + 20) + 10
    assert (await resp.json())["data"] == [{"s": 3 * per_day}]


async def test_trailing_slash_form_used_by_the_altinity_plugin(loaded):
    resp = await loaded.get(
        SQL_URL + "/", params={"query": "SELECT count() AS n FROM usage_indexed_by_customer_id"}
    )
    assert (await resp.json())["data"] == [{"n": "24"}]


async def test_a_query_over_its_memory_limit_is_a_clear_422(aiohttp_client, make_settings, storage):
    app = create_app(make_settings(sql_max_memory_bytes=5_000_000), storage=storage)
    client = await aiohttp_client(app)
    wide = [{"indexes": [f"c{i}"], "blobs": ["x" * 200]} for i in range(20_000)]
    body = io.BytesIO(orjson.dumps(wide))  # aiohttp warns about large raw bodies
    resp = await client.post(f"/v1/accounts/{ACCOUNT}/datasets/wide/points", data=body)
    assert resp.status == 200
    join = "SELECT a.index1 FROM wide a JOIN wide b ON a.blob1 = b.blob1 LIMIT 1"
    resp = await sql(client, join)
    assert resp.status == 422
    body = await resp.text()
    assert body.startswith("query exceeded a resource limit: Query memory limit exceeded")
    assert "/" not in body.split("maximum")[1]  # no server file paths


@pytest.mark.parametrize("fmt", ["JSON", "JSONEachRow"])
async def test_an_answer_larger_than_a_send_piece_arrives_whole(client, fmt):
    from server.web.query import SEND_PIECE_BYTES

    blob = "x" * 15_000
    points = [{"indexes": [f"c{i}"], "blobs": [blob]} for i in range(100)]
    body = io.BytesIO(orjson.dumps(points))
    resp = await client.post(WRITE_URL, data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 200
    resp = await sql(
        client,
        f"SELECT index1, blob1 FROM usage_indexed_by_customer_id ORDER BY index1 FORMAT {fmt}",
    )
    assert resp.status == 200
    body = await resp.read()
    assert len(body) > SEND_PIECE_BYTES
    assert int(resp.headers["Content-Length"]) == len(body)
    assert resp.headers["Usagehouse-Resolution"] == "100%"
    if fmt == "JSON":
        answer = orjson.loads(body)
        rows = answer["data"]
        assert answer["rows"] == answer["rows_before_limit_at_least"] == 100
    else:
        rows = [orjson.loads(line) for line in body.splitlines()]
    assert sorted(row["index1"] for row in rows) == sorted(f"c{i}" for i in range(100))
    assert all(row["blob1"] == blob for row in rows)
