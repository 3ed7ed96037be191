"""Imports and backfills: `?sampling=off` stores every point whatever the arrival rate, while
the default path thins a burst (the write answer's `stored` says by how much)."""

from __future__ import annotations

import io
import random

import orjson

from server.app import create_app
from server.ingest.sampler import EquitableSampler
from tests.helpers import count, rows

URL = "/v1/accounts/acct/datasets/usage/points"


async def start(aiohttp_client, make_settings, storage, **settings):
    sampler = EquitableSampler(10, 100, rng=random.Random(0))
    app = create_app(
        make_settings(sampling="equitable", **settings), storage=storage, sampler=sampler
    )
    return await aiohttp_client(app)


def burst(index: str, n: int) -> list[dict]:
    return [{"indexes": [index], "blobs": ["/x"], "doubles": [2.0]}] * n


async def test_a_burst_is_thinned_but_an_import_stores_every_point(
    aiohttp_client, make_settings, storage
):
    client = await start(aiohttp_client, make_settings, storage)
    thinned = await (await client.post(URL, json=burst("big", 5000))).json()
    assert thinned["accepted"] == 5000 and thinned["stored"] < 1000
    imported = await (await client.post(URL + "?sampling=off", json=burst("old", 5000))).json()
    assert imported == {"ok": True, "accepted": 5000, "stored": 5000}
    found = await rows(
        storage,
        "SELECT count() AS n, max(_sample_interval) AS most, sum(double1) AS total "
        "FROM {db}.points WHERE index1 = 'old'",
    )
    assert found == [{"n": 5000, "most": 1, "total": 10000}]


async def test_an_import_uses_no_share_of_the_live_traffic(aiohttp_client, make_settings, storage):
    """The sampler never sees an import: the same customer's live points right after it are
    still within their share, so stored exactly."""
    client = await start(aiohttp_client, make_settings, storage)
    body = io.BytesIO(orjson.dumps(burst("acme", 20_000)))  # aiohttp warns on big raw bodies
    await client.post(
        URL + "?sampling=off", data=body, headers={"Content-Type": "application/json"}
    )
    live = await (await client.post(URL, json=burst("acme", 5))).json()
    assert live == {"ok": True, "accepted": 5, "stored": 5}
    assert await count(storage, "index1 = 'acme'") == 20_005


async def test_the_sampling_parameter_is_on_or_off(aiohttp_client, make_settings, storage):
    client = await start(aiohttp_client, make_settings, storage)
    assert (await client.post(URL + "?sampling=on", json=burst("a", 1))).status == 200
    resp = await client.post(URL + "?sampling=no", json=burst("a", 1))
    assert resp.status == 400
    assert (await resp.json())["error"] == "sampling must be on or off, not 'no'"


async def test_a_shared_server_can_refuse_imports(aiohttp_client, make_settings, storage):
    client = await start(aiohttp_client, make_settings, storage, unsampled_writes="refused")
    resp = await client.post(URL + "?sampling=off", json=burst("a", 1))
    assert resp.status == 403
    assert (await resp.json())["error"] == (
        "sampling=off is refused on this server (USAGEHOUSE_UNSAMPLED_WRITES=refused)"
    )
    assert await count(storage) == 0
