"""Sampling end to end: HTTP write -> sampler -> ClickHouse -> SQL estimates with intervals."""

from __future__ import annotations

import random

from prometheus_client import CollectorRegistry

from server.app import create_app
from server.ingest.sampler import EquitableSampler

ACCOUNT = "acct"
WRITE = f"/v1/accounts/{ACCOUNT}/datasets/usage/points"
SQL = f"/client/v4/accounts/{ACCOUNT}/analytics_engine/sql"
HOT_POINTS = 20_000


async def test_hot_customer_is_thinned_light_ones_exact_and_estimates_hold(
    aiohttp_client, make_settings, storage
):
    registry = CollectorRegistry()
    sampler = EquitableSampler(100, 5_000, rng=random.Random(7))
    app = create_app(make_settings(), storage=storage, registry=registry, sampler=sampler)
    client = await aiohttp_client(app)

    light = [{"indexes": [f"light-{i}"], "doubles": [2.0]} for i in range(50) for _ in range(10)]
    hot = [{"indexes": ["hot"], "doubles": [1.0]}] * HOT_POINTS
    resp = await client.post(WRITE, json=light + hot)
    body = await resp.json()
    assert body["accepted"] == 500 + HOT_POINTS
    assert body["stored"] < body["accepted"] // 5

    resp = await client.post(
        SQL,
        data=b"SELECT index1, sum(_sample_interval) AS n, count() AS rows, "
        b"max(_sample_interval) AS k, confidenceCount(0.95) AS c, "
        b"sum(_sample_interval * double1) AS total "
        b"FROM usage GROUP BY index1 ORDER BY index1",
        params={"output_format_json_quote_64bit_integers": "0"},
    )
    rows = {r["index1"]: r for r in (await resp.json())["data"]}
    assert sum(r["rows"] for r in rows.values()) == body["stored"]
    for i in range(50):
        r = rows[f"light-{i}"]
        assert (r["n"], r["rows"], r["k"], r["total"]) == (10, 10, 1, 20.0)
        assert r["c"]["lower"] == r["c"]["upper"] == 10  # exact: zero-width interval
    h = rows["hot"]
    assert h["k"] > 1
    assert abs(h["n"] - HOT_POINTS) <= 0.1 * HOT_POINTS
    assert h["c"]["lower"] <= HOT_POINTS <= h["c"]["upper"]
    assert h["total"] == h["n"]  # double1 = 1.0 on every point

    stored = registry.get_sample_value(
        "usagehouse_ingest_points_stored_total", {"dataset": "usage"}
    )
    assert stored == body["stored"]
    exact = registry.get_sample_value(
        "usagehouse_sample_interval_bucket", {"dataset": "usage", "le": "1.0"}
    )
    assert exact == 500
