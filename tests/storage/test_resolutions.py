"""The 10 % and 1 % copies of the points: unbiased, deterministic, consistent through retries,
restarts and upgrades, and never in the way of a write."""

from __future__ import annotations

import asyncio
import math
import random
import time

import pytest

from server.app import create_app
from server.billing import parse_pricing
from server.storage import InsertBatch
from server.storage.clickhouse import ClickHouseStorage
from server.storage.schema import (
    COPIES,
    COUNTERS_DATASET,
    INSERT_COLUMNS,
    RECORDS_DATASET,
    TABLE,
    Resolution,
)
from tests.helpers import rows

ACCOUNT = "acct"
PRICING = """
currency = "USD"
timezone = "UTC"

[[meters]]
name = "requests"
dataset = "usage"
measure = "count"
unit_price = "0.10"
"""
SEEDS = 40
POINTS_PER_SEED = 3_000


def batch(
    n: int,
    *,
    seed: int,
    batch_id: int,
    dataset: str = "usage",
    intervals: tuple[int, ...] = (1,),
) -> InsertBatch:
    """`n` points of a few customers at one instant (one partition), with random write-time
    intervals and double1 drawn from `seed`; double2 numbers the points."""
    rng = random.Random(seed)
    at = int(time.time()) - 60
    return InsertBatch(
        account_ids=[ACCOUNT] * n,
        datasets=[dataset] * n,
        timestamps=[at] * n,
        sample_intervals=[rng.choice(intervals) for _ in range(n)],
        indexes=[f"customer-{rng.randrange(5)}" for _ in range(n)],
        blobs=[["/api/list"] for _ in range(n)],
        doubles=[[round(rng.expovariate(0.01), 3), float(i)] for i in range(n)],
        batch=batch_id,
    )


async def insert(storage: ClickHouseStorage, data: InsertBatch) -> None:
    await storage.insert_columns(TABLE, INSERT_COLUMNS, data.encode())


async def totals(storage: ClickHouseStorage, table: str) -> dict[str, dict[str, float]]:
    """Per dataset: the estimated count and sum of double1, their variance estimates, rows."""
    found = await rows(
        storage,
        "SELECT dataset, sum(_sample_interval) AS n, sum(_sample_interval * double1) AS s, "
        "sum(_sample_interval * (_sample_interval - 1)) AS vn, "
        "sum(_sample_interval * (_sample_interval - 1) * double1 * double1) AS vs, "
        f"count() AS rows FROM {{db}}.{table} GROUP BY dataset",
    )
    return {r.pop("dataset"): {k: float(v) for k, v in r.items()} for r in found}


async def conditional_variance(storage: ClickHouseStorage, copy: Resolution) -> dict[str, float]:
    """The variance of the copy's count and sum given the stored points: each point of weight
    w is kept with probability 1/f and then weighs f*w, so it adds w^2 (f - 1) (times y^2)."""
    f = copy.factor
    [found] = await rows(
        storage,
        f"SELECT sum(_sample_interval * _sample_interval * {f - 1}) AS vn, "
        f"sum(_sample_interval * _sample_interval * {f - 1} * double1 * double1) AS vs "
        f"FROM {{db}}.{TABLE} WHERE dataset NOT LIKE '#%'",
    )
    return {k: float(v) for k, v in found.items()}


@pytest.mark.parametrize("copy", COPIES, ids=[c.label for c in COPIES])
async def test_each_copy_is_unbiased_for_counts_and_sums_over_seeds(storage, copy):
    for seed in range(SEEDS):
        data = batch(POINTS_PER_SEED, seed=seed, batch_id=10_000 + seed, dataset=f"s{seed}")
        await insert(storage, data)
    full, coarse = await totals(storage, TABLE), await totals(storage, copy.table)
    for measure, variance in (("n", "vn"), ("s", "vs")):
        # Pooled over seeds, the copy's estimate is off the stored total by a few standard
        # deviations at most (a wrong factor, e.g. 9 instead of 10, is off by hundreds).
        error = sum(coarse[d][measure] - full[d][measure] for d in full)
        sd = math.sqrt((await conditional_variance(storage, copy))[variance])
        assert abs(error) < 4 * sd, (measure, error, sd)
        # And each seed's 95 % interval (the HT variance estimate, as confidenceCount
        # computes it) holds the stored total about 95 % of the time.
        inside = sum(
            abs(coarse[d][measure] - full[d][measure]) <= 1.96 * math.sqrt(coarse[d][variance])
            for d in full
        )
        assert inside >= 0.85 * SEEDS, (measure, inside)
    kept = sum(c["rows"] for c in coarse.values())
    expected = SEEDS * POINTS_PER_SEED / copy.factor
    assert abs(kept - expected) < 4 * math.sqrt(expected)


async def test_weights_are_multiplied_by_the_factor_and_the_smaller_copy_is_a_subset(storage):
    await insert(storage, batch(5_000, seed=1, batch_id=7, intervals=(1, 3, 7)))
    for copy in COPIES:
        found = await rows(
            storage,
            f"SELECT c._sample_interval AS copied, p._sample_interval AS stored "
            f"FROM {{db}}.{copy.table} AS c INNER JOIN {{db}}.{TABLE} AS p "
            "ON c.double2 = p.double2",
        )
        assert found and all(r["copied"] == copy.factor * r["stored"] for r in found)
    [outside] = await rows(
        storage,
        f"SELECT count() AS n FROM {{db}}.{COPIES[1].table} "
        f"WHERE double2 NOT IN (SELECT double2 FROM {{db}}.{COPIES[0].table})",
    )
    assert outside["n"] == 0


async def test_a_retried_insert_is_copied_once_and_the_same_rows_are_copied_alike(storage):
    """The writer retries an insert with its token when its outcome is unknown: the points and
    the copies keep it once. The same rows in another insert are copied alike (the views
    choose by flush and position, not by chance), which cluster deduplication relies on."""
    data = batch(4_000, seed=2, batch_id=99).encode()
    await storage.insert_columns(TABLE, INSERT_COLUMNS, data, token="99-1")
    tables = (TABLE, *(copy.table for copy in COPIES))
    first = {table: await totals(storage, table) for table in tables}
    await storage.insert_columns(TABLE, INSERT_COLUMNS, data, token="99-1")
    assert {table: await totals(storage, table) for table in tables} == first
    await storage.insert_columns(TABLE, INSERT_COLUMNS, data, token="another")
    for copy in COPIES:
        [pairs] = await rows(
            storage,
            "SELECT countIf(n != 2) AS odd, count() AS groups FROM (SELECT count() AS n "
            f"FROM {{db}}.{copy.table} GROUP BY double2)",
        )
        assert pairs == {"odd": 0, "groups": first[copy.table]["usage"]["rows"]}


async def test_a_retry_with_the_token_fills_a_copy_the_first_attempt_missed(storage):
    db, copy = storage.database, COPIES[0]
    data = batch(3_000, seed=8, batch_id=15).encode()
    await storage.command(f"ALTER TABLE {db}.{copy.table} ADD CONSTRAINT broken CHECK 0")
    await storage.insert_columns(TABLE, INSERT_COLUMNS, data, token="15-1")
    assert await totals(storage, copy.table) == {}
    coarsest = await totals(storage, COPIES[1].table)
    await storage.command(f"ALTER TABLE {db}.{copy.table} DROP CONSTRAINT broken")
    await storage.insert_columns(TABLE, INSERT_COLUMNS, data, token="15-1")
    assert (await totals(storage, TABLE))["usage"]["rows"] == 3_000
    assert 200 < (await totals(storage, copy.table))["usage"]["rows"] < 400
    assert await totals(storage, COPIES[1].table) == coarsest


async def test_identical_points_of_one_flush_are_kept_independently(storage):
    """The same customer, endpoint and second many times: a hash of the values alone would
    keep all or none of them."""
    data = batch(2_000, seed=3, batch_id=5)
    same = InsertBatch(
        data.account_ids,
        data.datasets,
        data.timestamps,
        [1] * 2_000,
        ["customer-0"] * 2_000,
        [["/api/list"]] * 2_000,
        [[1.0]] * 2_000,
        5,
    )
    await insert(storage, same)
    kept = (await totals(storage, COPIES[0].table))["usage"]["rows"]
    assert 100 < kept < 300  # 200 expected; all-or-none would give 0 or 2,000


async def test_bookkeeping_rows_are_never_copied(aiohttp_client, make_settings, storage):
    pricing = await asyncio.to_thread(parse_pricing, PRICING)  # reads the zone database
    client = await aiohttp_client(create_app(make_settings(), storage=storage, pricing=pricing))
    resp = await client.post(
        f"/v1/accounts/{ACCOUNT}/datasets/usage/points",
        json=[{"indexes": ["acme"], "blobs": ["/a"]}] * 3_000,
        headers={"Idempotency-Key": "k1"},
    )
    assert resp.status == 200
    [stored] = await rows(
        storage,
        f"SELECT countIf(dataset = '{COUNTERS_DATASET}') AS c, "
        f"countIf(dataset = '{RECORDS_DATASET}') AS r FROM {{db}}.{TABLE}",
    )
    assert stored["c"] > 0 and stored["r"] > 0  # the write did make bookkeeping rows
    for copy in COPIES:
        found = await rows(storage, f"SELECT DISTINCT dataset FROM {{db}}.{copy.table}")
        assert found == [{"dataset": "usage"}]


async def test_a_retry_with_its_key_and_a_restart_leave_the_copies_as_they_were(
    aiohttp_client, make_settings, tmp_path
):
    path = str(tmp_path / "restart")
    points = [{"indexes": [f"c{i % 7}"], "blobs": ["/a"], "doubles": [i]} for i in range(5_000)]
    url = f"/v1/accounts/{ACCOUNT}/datasets/usage/points"
    storage = await ClickHouseStorage.open(path, 92)
    client = await aiohttp_client(create_app(make_settings(), storage=storage))
    for _ in range(2):  # the second is a retry: it answers from the record, writes nothing
        resp = await client.post(url, json=points, headers={"Idempotency-Key": "once"})
        assert await resp.json() == {"ok": True, "accepted": 5_000, "stored": 5_000}
    before = {copy.table: await totals(storage, copy.table) for copy in COPIES}
    await client.close()
    await storage.close()

    storage = await ClickHouseStorage.open(path, 92)  # the migration runs again
    try:
        after = {copy.table: await totals(storage, copy.table) for copy in COPIES}
        assert after == before
        assert before[COPIES[0].table]["usage"]["rows"] > 0
    finally:
        await storage.close()


async def drop_copies(storage: ClickHouseStorage) -> None:
    for copy in COPIES:
        await storage.command(f"DROP VIEW {storage.database}.{copy.view}")
        await storage.command(f"DROP TABLE {storage.database}.{copy.table}")


async def test_an_upgrade_builds_the_copies_from_existing_points_once(tmp_path):
    path = str(tmp_path / "upgrade")
    storage = await ClickHouseStorage.open(path, 92)
    await insert(storage, batch(20_000, seed=4, batch_id=11, intervals=(1, 2)))
    built_by_views = {copy.table: await totals(storage, copy.table) for copy in COPIES}
    await drop_copies(storage)  # as a database from before the copies existed
    await storage.close()

    storage = await ClickHouseStorage.open(path, 92)
    try:
        for copy in COPIES:
            built = await totals(storage, copy.table)
            # The same rule over rows read back in another order: other rows, as many.
            expected = built_by_views[copy.table]["usage"]["rows"]
            assert abs(built["usage"]["rows"] - expected) < 5 * math.sqrt(expected)
        copied = await totals(storage, COPIES[0].table)
        await insert(storage, batch(10_000, seed=5, batch_id=12, dataset="later"))
        after = await totals(storage, COPIES[0].table)
        assert after["usage"] == copied["usage"]  # built once, then only new points arrive
        assert 800 < after["later"]["rows"] < 1_200
    finally:
        await storage.close()


async def test_an_interrupted_upgrade_builds_the_copy_again_from_scratch(tmp_path):
    path = str(tmp_path / "interrupted")
    storage = await ClickHouseStorage.open(path, 92)
    await insert(storage, batch(10_000, seed=6, batch_id=13))
    await drop_copies(storage)
    db, copy = storage.database, COPIES[0]
    # A start that died while filling the copy: the table exists, half full, without its view.
    await storage.command(f"CREATE TABLE {db}.{copy.table} AS {db}.{TABLE}")
    await storage.command(
        f"INSERT INTO {db}.{copy.table} (account_id, dataset, timestamp, index1, _batch) "
        "VALUES ('acct', 'usage', now(), 'leftover', 13)"
    )
    await storage.close()

    storage = await ClickHouseStorage.open(path, 92)
    try:
        found = await rows(
            storage, f"SELECT count() AS n FROM {{db}}.{copy.table} WHERE index1 = 'leftover'"
        )
        assert found == [{"n": 0}]
        assert 800 < (await totals(storage, copy.table))["usage"]["rows"] < 1_200
    finally:
        await storage.close()


async def test_a_failing_copy_does_not_fail_the_write(storage):
    """The points are committed before the views run: an error there must not turn a stored
    write into a failed one (its retry would store it twice)."""
    db, copy = storage.database, COPIES[0]
    await storage.command(f"ALTER TABLE {db}.{copy.table} ADD CONSTRAINT broken CHECK 0")
    await insert(storage, batch(1_000, seed=7, batch_id=14))
    assert (await totals(storage, TABLE))["usage"]["rows"] == 1_000
    assert await totals(storage, copy.table) == {}
    assert (await totals(storage, COPIES[1].table))["usage"]["rows"] > 0
