"""Billing counters and points commit together: `kill -9` at many instants of a busy write
load never leaves a customer billed for more or less than what is stored."""

from __future__ import annotations

import asyncio
import random
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from server.storage.clickhouse import ClickHouseStorage
from server.storage.schema import COUNTERS_VIEW
from tests.helpers import POINTS_ONLY, rows
from tests.processes import server

pytestmark = [pytest.mark.no_blockbuster, pytest.mark.slow]

URL = "/v1/accounts/acct_a/datasets/usage/points"
PRICING = """
currency = "USD"
[[meters]]
name = "requests"
dataset = "usage"
measure = "count"
unit_price = "0.01"
"""
KILLS = 6


def batch(rng: random.Random, now: datetime) -> list[dict[str, object]]:
    """500 points over 20 customers; one batch in four also reaches into last month, so it
    commits as two parts."""
    last_month = now.replace(day=1) - timedelta(days=3)
    spans_months = rng.random() < 0.25
    out: list[dict[str, object]] = []
    for i in range(500):
        moment = last_month if spans_months and i % 2 else now
        out.append(
            {"indexes": [f"c{rng.randrange(20)}"], "timestamp": int(moment.timestamp() * 1000)}
        )
    return out


async def write_until_killed(base: str, rng: random.Random, retries: list[tuple]) -> list[tuple]:
    """Post batches from 4 clients (some with an Idempotency-Key, retried after a crash as a
    client would); returns the keyed requests that got no answer."""
    now = datetime.now(UTC)
    unanswered: list[tuple] = []

    async def client(http: aiohttp.ClientSession, worker: int) -> None:
        n = 0
        while True:
            if retries:
                key, body = retries.pop()
            else:
                n += 1
                key, body = (f"w{worker}-{rng.random()}" if n % 2 else None), batch(rng, now)
            headers = {"Idempotency-Key": key} if key else {}
            try:
                async with http.post(base + URL, json=body, headers=headers) as resp:
                    await resp.read()
            except aiohttp.ClientError:
                if key:
                    unanswered.append((key, body))
                return

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(client(http, w) for w in range(4)))
    return unanswered


async def test_billed_quantity_equals_stored_points_after_kills_at_any_instant(tmp_path: Path):
    rng = random.Random(7)
    data = tmp_path / "data"
    pricing = tmp_path / "pricing.toml"
    pricing.write_text(PRICING)
    retries: list[tuple] = []
    for _ in range(KILLS):
        async with server(data, "--pricing", str(pricing)) as (base, proc):
            writing = asyncio.create_task(write_until_killed(base, rng, retries))
            await asyncio.sleep(rng.uniform(0.2, 1.5))
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            retries = await writing
    async with server(data, "--pricing", str(pricing)) as (base, proc):
        assert not await write_until_killed_once(base, retries)

    storage = await ClickHouseStorage.open(str(data), 92)
    try:
        stored = await rows(
            storage,
            "SELECT index1 AS c, sum(_sample_interval) AS n FROM {db}.points "
            f"WHERE {POINTS_ONLY} GROUP BY c ORDER BY c",
        )
        billed = await rows(
            storage,
            f"SELECT customer AS c, sum(points) AS n FROM ({COUNTERS_VIEW}) "
            "WHERE meter = 'requests' GROUP BY c ORDER BY c".replace("{database}", "{db}"),
        )
    finally:
        await storage.close()
    assert stored, "no point was written before the kills"
    assert billed == stored


async def write_until_killed_once(base: str, retries: list[tuple]) -> list[tuple]:
    """Send the retries that are left once each; returns those that failed."""
    failed = []
    async with aiohttp.ClientSession() as http:
        for key, body in retries:
            async with http.post(base + URL, json=body, headers={"Idempotency-Key": key}) as r:
                if r.status != 200:
                    failed.append((key, body))
    return failed
