"""Unsampled writes (`?sampling=off`, imports) carry each row's `_sample_interval` from its
source: kept as it is with the timestamp, never sampled again, billed as the points the row
stands for; the sampled path refuses the field."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from server.app import create_app
from server.ingest.sampler import EquitableSampler
from tests.billing.priced import REF, REF_MONTH, invoice, ms, summary
from tests.helpers import count, rows

WRITE = "/v1/accounts/acct/datasets/usage/points"
IMPORT = WRITE + "?sampling=off"
SQL = "/client/v4/accounts/acct/analytics_engine/sql"


def row(i: int, interval: int, when: datetime) -> dict:
    return {
        "indexes": [f"c{i % 3}"],
        "blobs": [f"/api/{i % 2}"],
        "doubles": [float(i)],
        "timestamp": ms(when),
        "_sample_interval": interval,
    }


async def test_import_keeps_intervals_and_timestamps_and_is_not_sampled(
    aiohttp_client, make_settings, storage
):
    # A sampler that thins anything past 1 row per second per index: writes get thinned,
    # the import does not.
    sampler = EquitableSampler(index_budget=1, total_budget=1, rng=random.Random(0))
    app = create_app(make_settings(sampling="equitable"), storage=storage, sampler=sampler)
    client = await aiohttp_client(app)
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    batch = [row(i, 1 + i % 5, when + timedelta(seconds=i)) for i in range(3000)]
    resp = await client.post(IMPORT, json=batch)
    assert (resp.status, await resp.json()) == (200, {"ok": True, "accepted": 3000, "stored": 3000})
    stored = await rows(
        storage,
        "SELECT toUnixTimestamp(timestamp) AS ts, _sample_interval AS k FROM {db}.points "
        "WHERE dataset = 'usage' ORDER BY ts",
    )
    assert [(r["ts"], r["k"]) for r in stored] == [
        (int(when.timestamp()) + i, 1 + i % 5) for i in range(3000)
    ]
    resp = await client.post(
        SQL, data="SELECT sum(_sample_interval) AS n FROM usage FORMAT JSONEachRow"
    )
    assert await resp.json(content_type=None) == {"n": str(sum(1 + i % 5 for i in range(3000)))}
    written = await client.post(WRITE, json=[{"indexes": ["c0"]}] * 3000)
    assert (await written.json())["stored"] < 3000  # the same sampler thins ordinary writes


async def test_the_sampled_path_refuses_sample_interval(client, storage):
    resp = await client.post(WRITE, json=[row(0, 3, datetime.now(UTC))])
    assert resp.status == 400
    assert "unknown field '_sample_interval'" in (await resp.json())["error"]
    resp = await client.post(IMPORT, json=[row(0, 3, datetime.now(UTC))])
    assert resp.status == 200
    assert await count(storage, "_sample_interval = 3") == 1


async def test_bad_sample_interval_rejects_the_batch_naming_the_point(client, storage):
    ok = row(0, 1, datetime.now(UTC))
    for bad in (0, -1, 2**32, 1.5, "2", None):
        resp = await client.post(IMPORT, json=[ok, {**ok, "_sample_interval": bad}])
        body = await resp.json()
        assert (resp.status, body["position"]) == (400, 1), bad
        assert body["error"] == (
            "point 1: _sample_interval must be an integer from 1 to 4294967295"
        )
    assert await count(storage) == 0


async def test_a_retried_import_with_its_key_is_written_once(client, storage):
    batch = [row(i, 2, datetime.now(UTC)) for i in range(5)]
    headers = {"Idempotency-Key": "window-1"}
    first = await client.post(IMPORT, json=batch, headers=headers)
    again = await client.post(IMPORT, json=batch, headers=headers)
    assert await first.json() == await again.json() == {"ok": True, "accepted": 5, "stored": 5}
    assert await count(storage) == 5


async def test_imported_rows_are_billed_as_the_points_they_stand_for(billed):
    client = await billed()
    batch = [
        {"indexes": ["acme"], "blobs": ["/api/list"], "doubles": [2.0], "timestamp": ms(REF)}
        | {"_sample_interval": 10},
        {"indexes": ["acme"], "blobs": ["/api/list"], "doubles": [1.0], "timestamp": ms(REF)},
    ]
    resp = await client.post(IMPORT, json=batch)
    assert resp.status == 200, await resp.text()
    inv = await invoice(client, REF_MONTH)
    # 11 requests (3 included): 8 x 0.10; egress 10 x 2 + 1 = 21 GB: 10 x 0.50 + 11 x 0.20
    assert summary(inv) == [
        ("requests", "/api/list", "11", "0.80"),
        ("egress", None, "21", "7.20"),
    ]
