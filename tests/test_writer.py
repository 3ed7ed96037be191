"""Group commit: concurrent writes share inserts, each acknowledged only after commit; a full
queue refuses with Retry-After and writes nothing for the refused request."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from server.app import create_app
from server.ingest.writer import BatchWriter, Pending
from server.metrics import Metrics
from tests.helpers import count

URL = "/v1/accounts/acct_a/datasets/usage/points"


def sample_value(registry: CollectorRegistry, name: str) -> float:
    value = registry.get_sample_value(name)
    return 0.0 if value is None else value


async def test_concurrent_requests_are_grouped_into_fewer_inserts(client, storage, registry):
    batch = [{"indexes": [f"c{i}"], "doubles": [1]} for i in range(100)]
    responses = await asyncio.gather(*(client.post(URL, json=batch) for _ in range(40)))
    assert [r.status for r in responses] == [200] * 40
    inserts = sample_value(registry, "usagehouse_insert_batch_points_count")
    assert 1 <= inserts < 40
    assert sample_value(registry, "usagehouse_insert_batch_points_sum") == 4000
    assert await count(storage) == 4000


async def test_full_queue_answers_503_with_retry_after_and_loses_nothing(
    aiohttp_client, make_settings, storage, registry
):
    app = create_app(make_settings(queue_max_points=100), storage=storage, registry=registry)
    client = await aiohttp_client(app)
    batch = [{"indexes": ["c"]}] * 60
    responses = await asyncio.gather(*(client.post(URL, json=batch) for _ in range(30)))
    statuses = [r.status for r in responses]
    assert set(statuses) <= {200, 503}
    assert 503 in statuses and 200 in statuses
    for r in responses:
        if r.status == 503:
            assert r.headers["Retry-After"] == "1"
            assert (await r.json())["code"] == "overloaded"
    assert await count(storage) == 60 * statuses.count(200)
    assert sample_value(registry, "usagehouse_ingest_overloaded_total") == statuses.count(503)
    assert sample_value(registry, "usagehouse_write_queue_points") == 0


async def test_stop_flushes_everything_queued(storage):
    writer = BatchWriter(storage, Metrics(CollectorRegistry()), 1_000_000, 10)
    writer.start()
    pending = [
        Pending("acct", "ds", [1_800_000_000] * 7, [1] * 7, ["i"] * 7, [[]] * 7, [[]] * 7)
        for _ in range(20)
    ]
    tasks = [asyncio.create_task(writer.write(p)) for p in pending]
    await asyncio.sleep(0)
    await writer.stop()
    assert all(isinstance(batch_id, int) for batch_id in await asyncio.gather(*tasks))
    assert await count(storage) == 140
    # once stopped, writes are refused rather than silently queued forever
    refused = Pending("acct", "ds", [1], [1], ["i"], [[]], [[]])
    try:
        await writer.write(refused)
    except Exception as e:
        assert type(e).__name__ == "Overloaded"
    else:
        raise AssertionError("write after stop must be refused")


async def test_storage_failure_is_503_and_nothing_is_acknowledged(client, storage):
    assert (await client.post(URL, json={})).status == 200
    await storage.close()
    resp = await client.post(URL, json=[{}, {}])
    assert resp.status == 503
    assert (await resp.json())["code"] == "storage_unavailable"
    # the writer survives the failure and keeps answering
    resp = await client.post(URL, json={})
    assert resp.status == 503
