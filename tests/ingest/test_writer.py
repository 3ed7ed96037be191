"""Group commit: concurrent writes share inserts, each acknowledged only after commit; a full
queue refuses with Retry-After and writes nothing for the refused request."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from prometheus_client import CollectorRegistry

from server.app import create_app
from server.errors import Overloaded
from server.ingest.commit import Pending, build_inserts
from server.ingest.writer import BatchWriter, QueueLimits, next_insert_at
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
    writer = BatchWriter(storage, Metrics(CollectorRegistry()), QueueLimits(1_000_000, 2**30), 10)
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
    with pytest.raises(Overloaded):
        await writer.write(refused)


async def test_storage_failure_is_503_and_nothing_is_acknowledged(client, storage):
    assert (await client.post(URL, json={})).status == 200
    await storage.close()
    resp = await client.post(URL, json=[{}, {}])
    assert resp.status == 503
    assert (await resp.json())["code"] == "storage_unavailable"
    # the writer survives the failure and keeps answering
    resp = await client.post(URL, json={})
    assert resp.status == 503


async def test_one_accounts_backlog_cannot_fill_the_queue_for_another(
    aiohttp_client, make_settings, storage
):
    app = create_app(make_settings(queue_max_points=100, queue_account_share=0.5), storage=storage)
    client = await aiohttp_client(app)
    flood = [{"indexes": ["b"]}] * 30
    other = "/v1/accounts/acct_other/datasets/usage/points"
    responses = await asyncio.gather(
        *(client.post(URL, json=flood) for _ in range(20)), client.post(other, json={})
    )
    *mine, theirs = responses
    refused = [r for r in mine if r.status == 503]
    assert refused
    for r in refused:
        assert "account's share" in (await r.json())["error"]
    assert theirs.status == 200
    assert await count(storage, "account_id = 'acct_other'") == 1
    assert await count(storage, "account_id = 'acct_a'") == 30 * (len(mine) - len(refused))


async def test_queue_is_bounded_in_bytes_and_loses_nothing(aiohttp_client, make_settings, storage):
    app = create_app(make_settings(queue_max_bytes=100_000), storage=storage)
    client = await aiohttp_client(app)
    big = [{"indexes": ["c"], "blobs": ["x" * 15_000]}] * 4  # ~60 KB a request
    responses = await asyncio.gather(*(client.post(URL, json=big) for _ in range(10)))
    statuses = [r.status for r in responses]
    assert 503 in statuses and 200 in statuses
    assert await count(storage) == 4 * statuses.count(200)


async def test_accounts_take_turns_in_flushes(storage):
    writer = BatchWriter(storage, Metrics(CollectorRegistry()), QueueLimits(10**6, 2**30), 100)
    ts = [1_800_000_000] * 100

    def pending(account: str, n: int) -> Pending:
        return Pending(account, "ds", ts[:n], [1] * n, ["i"] * n, [[]] * n, [[]] * n)

    finished: list[str] = []

    async def write(item: Pending, name: str) -> None:
        await writer.write(item)
        finished.append(name)

    tasks = [asyncio.create_task(write(pending("big", 100), f"big{i}")) for i in range(6)]
    tasks.append(asyncio.create_task(write(pending("small", 1), "small")))
    await asyncio.sleep(0)
    writer.start()
    await asyncio.gather(*tasks)
    await writer.stop()
    # Served in turn: the small account's 1-point write is in the second flush, not the last.
    assert finished.index("small") == 1
    assert await count(storage) == 601


async def test_a_flush_joins_the_encoded_rows_of_its_requests_month_by_month():
    jan, feb = 1_798_761_600, 1_801_440_000  # 2027-01-01 and 2027-02-01, UTC
    first = Pending("a", "ds", [jan, feb, jan + 1], [1, 2, 3], ["x", "y", "z"],
                    [["b1"], [None, "b2"], []], [[1.5], [], [2.0, 3.0]])  # fmt: skip
    second = Pending("b", "ds2", [jan + 2], [4], ["w"], [["c"]], [[4.0]])
    empty = Pending("c", "ds3", [], [], [], [], [])
    january, february = build_inserts([first, empty, second], 99)
    assert (january.month, len(january), february.month, len(february)) == (202701, 3, 202702, 1)
    assert orjson.loads(january.encode()) == [
        ["a", "a", "b"],
        ["ds", "ds", "ds2"],
        [jan, jan + 1, jan + 2],
        [1, 3, 4],
        ["x", "z", "w"],
        [["b1"], [], ["c"]],
        [[1.5], [2.0, 3.0], [4.0]],
        [99, 99, 99],
    ]
    assert orjson.loads(february.encode()) == [
        ["a"], ["ds"], [feb], [2], ["y"], [[None, "b2"]], [[]], [99]
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("took", "starts_at"),
    [
        (0.02, 100.25),  # a quick insert: the next starts an interval after it started
        (0.25, 100.25),  # exactly the interval: not a saturated server yet
        (0.30, 100.45),  # slower: half its time after it ended
        (0.40, 100.60),
        (2.00, 102.25),  # much slower: at most an interval after it ended
    ],
)
def test_after_a_slow_insert_the_next_waits_half_its_time_at_most_the_interval(took, starts_at):
    assert next_insert_at(100.0, 100.0 + took, 0.25) == pytest.approx(starts_at)
