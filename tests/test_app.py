"""End to end: points written over HTTP are committed and exact when the 200 arrives."""

from __future__ import annotations

import time

import orjson

from tests.helpers import count, rows

RECENT_S = (int(time.time()) // 86_400 - 3) * 86_400
URL = "/v1/accounts/acct_a/datasets/usage/points"


async def test_point_is_visible_with_exact_columns_right_after_200(client, storage):
    point = {
        "indexes": ["customer-1"],
        "blobs": ["/api/export", None, "GET"],
        "doubles": [1.5, -2, 1e300],
        "timestamp": RECENT_S * 1000 + 123,
    }
    resp = await client.post(URL, json=point)
    assert resp.status == 200
    assert await resp.json() == {"ok": True, "accepted": 1, "stored": 1}

    [row] = await rows(
        storage,
        "SELECT account_id, dataset, toUnixTimestamp(timestamp) AS ts, _sample_interval, index1,"
        " blob1, blob2, blob3, blob4, blob20, double1, double2, double3, double4, double20"
        " FROM {db}.points",
    )
    assert row == {
        "account_id": "acct_a",
        "dataset": "usage",
        "ts": RECENT_S,
        "_sample_interval": 1,
        "index1": "customer-1",
        "blob1": "/api/export",
        "blob2": "",
        "blob3": "GET",
        "blob4": "",
        "blob20": "",
        "double1": 1.5,
        "double2": -2,
        "double3": 1e300,
        "double4": 0,
        "double20": 0,
    }


async def test_point_without_timestamp_gets_server_time(client, storage):
    before = int(time.time())
    resp = await client.post(URL, json={"indexes": ["c"]})
    assert resp.status == 200
    [row] = await rows(storage, "SELECT toUnixTimestamp(timestamp) AS ts FROM {db}.points")
    assert before <= row["ts"] <= int(time.time())


async def test_empty_point_stores_a_row_with_defaults(client, storage):
    resp = await client.post(URL, json={})
    assert await resp.json() == {"ok": True, "accepted": 1, "stored": 1}
    [row] = await rows(storage, "SELECT index1, blob1, double1 FROM {db}.points")
    assert row == {"index1": "", "blob1": "", "double1": 0}


async def test_array_and_ndjson_bodies_write_every_point(client, storage):
    batch = [{"indexes": [f"c{i}"], "doubles": [i]} for i in range(250)]
    resp = await client.post(URL, json=batch)
    assert await resp.json() == {"ok": True, "accepted": 250, "stored": 250}
    lines = (orjson.dumps({"indexes": [f"n{i}"], "doubles": [i]}).decode() for i in range(10))
    ndjson = "\n".join(lines) + "\n"
    resp = await client.post(URL, data=ndjson, headers={"Content-Type": "application/x-ndjson"})
    assert await resp.json() == {"ok": True, "accepted": 10, "stored": 10}
    [row] = await rows(storage, "SELECT count() AS n, sum(double1) AS s FROM {db}.points")
    assert row == {"n": 260, "s": sum(range(250)) + sum(range(10))}


async def test_rfc3339_timestamp_backfill(client, storage):
    resp = await client.post(
        URL,
        json=[
            {"indexes": ["c"], "timestamp": "2026-11-01T10:00:00Z"},
            {"indexes": ["c"], "timestamp": "2026-11-01T12:00:00+02:00"},
        ],
    )
    assert resp.status == 200, await resp.text()
    got = await rows(storage, "SELECT toString(timestamp) AS t FROM {db}.points ORDER BY timestamp")
    assert got == [{"t": "2026-11-01 10:00:00"}, {"t": "2026-11-01 10:00:00"}]


async def test_accounts_and_datasets_are_stored_apart(client, storage):
    await client.post("/v1/accounts/acct_a/datasets/one/points", json={"indexes": ["x"]})
    await client.post("/v1/accounts/acct_b/datasets/two/points", json=[{}, {}])
    got = await rows(
        storage,
        "SELECT account_id, dataset, count() AS n FROM {db}.points"
        " GROUP BY account_id, dataset ORDER BY account_id",
    )
    assert got == [
        {"account_id": "acct_a", "dataset": "one", "n": 1},
        {"account_id": "acct_b", "dataset": "two", "n": 2},
    ]
    assert await count(storage) == 3
