"""Idempotency-Key: a retry within 24 hours returns the first answer and writes nothing, also
when the first answer was lost and after a restart."""

from __future__ import annotations

import asyncio

from server.app import create_app
from server.storage.clickhouse import ClickHouseStorage
from tests.helpers import count

URL = "/v1/accounts/acct_a/datasets/usage/points"
BATCH = [{"indexes": ["c1"], "doubles": [2.5]}, {"indexes": ["c2"]}]


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def test_retry_with_same_key_returns_first_answer_and_writes_once(client, storage):
    first = await client.post(URL, json=BATCH, headers=key("k-1"))
    again = await client.post(URL, json=BATCH, headers=key("k-1"))
    assert await first.json() == await again.json() == {"ok": True, "accepted": 2, "stored": 2}
    assert await count(storage) == 2
    other = await client.post(URL, json=BATCH, headers=key("k-2"))
    assert other.status == 200
    assert await count(storage) == 4


async def test_same_key_in_another_account_is_independent(client, storage):
    await client.post(URL, json=BATCH, headers=key("shared"))
    await client.post(
        "/v1/accounts/acct_b/datasets/usage/points", json=BATCH, headers=key("shared")
    )
    assert await count(storage) == 4


async def test_concurrent_retries_write_once(client, storage):
    responses = await asyncio.gather(
        *(client.post(URL, json=BATCH, headers=key("race")) for _ in range(10))
    )
    assert {r.status for r in responses} == {200}
    assert await count(storage) == 2


async def test_answer_survives_a_restart(aiohttp_client, make_settings, tmp_path):
    path = str(tmp_path / "restart")
    first_store = await ClickHouseStorage.open(path, 92)
    app = create_app(make_settings(), storage=first_store)
    client = await aiohttp_client(app)
    first = await (await client.post(URL, json=BATCH, headers=key("k-restart"))).json()
    await client.close()
    await first_store.close()

    second_store = await ClickHouseStorage.open(path, 92)
    try:
        client = await aiohttp_client(create_app(make_settings(), storage=second_store))
        again = await client.post(URL, json=BATCH, headers=key("k-restart"))
        assert await again.json() == first
        assert await count(second_store) == 2
    finally:
        await client.close()
        await second_store.close()


async def test_key_reused_for_another_body_or_dataset_is_422_and_writes_nothing(client, storage):
    await client.post(URL, json=BATCH, headers=key("k-reuse"))
    other_body = await client.post(URL, json=BATCH[:1], headers=key("k-reuse"))
    other_dataset = await client.post(
        "/v1/accounts/acct_a/datasets/other/points", json=BATCH, headers=key("k-reuse")
    )
    for resp in (other_body, other_dataset):
        assert resp.status == 422
        body = await resp.json()
        assert body["code"] == "idempotency_key_reused"
        assert "k-reuse" in body["error"]
    assert await count(storage) == 2
    same = await client.post(URL, json=BATCH, headers=key("k-reuse"))
    assert await same.json() == {"ok": True, "accepted": 2, "stored": 2}


async def test_key_reused_for_another_body_after_a_restart_is_422(
    aiohttp_client, make_settings, tmp_path
):
    path = str(tmp_path / "restart")
    store = await ClickHouseStorage.open(path, 92)
    client = await aiohttp_client(create_app(make_settings(), storage=store))
    await client.post(URL, json=BATCH, headers=key("k-r"))
    await client.close()
    await store.close()
    store = await ClickHouseStorage.open(path, 92)
    try:
        client = await aiohttp_client(create_app(make_settings(), storage=store))
        resp = await client.post(URL, json=BATCH[:1], headers=key("k-r"))
        assert resp.status == 422
        assert await count(store) == 2
    finally:
        await client.close()
        await store.close()


async def test_rejected_request_does_not_burn_the_key(client, storage):
    bad = await client.post(URL, json=[{"blobs": [1]}], headers=key("k-bad"))
    assert bad.status == 400
    good = await client.post(URL, json=BATCH, headers=key("k-bad"))
    assert await good.json() == {"ok": True, "accepted": 2, "stored": 2}
    assert await count(storage) == 2


async def test_invalid_key_is_400(client, storage):
    resp = await client.post(URL, json=BATCH, headers=key("x" * 257))
    assert resp.status == 400
    assert "Idempotency-Key" in (await resp.json())["error"]
    assert await count(storage) == 0
