"""The whole server on each backend: write, retry, query, isolate and bill through HTTP, so the
remote backend is proven by the same user-level behaviour as the embedded default."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from server.app import create_app
from server.billing import load_pricing
from server.ingest.sampler import EquitableSampler
from server.storage import Storage
from tests.helpers import count

PRICING = """
currency = "USD"
[[meters]]
name = "requests"
dataset = "usage"
measure = "count"
dimension = "blob1"
unit_price = "0.10"
[[meters]]
name = "egress"
dataset = "usage"
measure = "sum(double1)"
unit_price = "1.00"
"""


def write_url(account: str) -> str:
    return f"/v1/accounts/{account}/datasets/usage/points"


def sql_url(account: str) -> str:
    return f"/client/v4/accounts/{account}/analytics_engine/sql"


@pytest.fixture
async def server(aiohttp_client, make_settings, backend: Storage, tmp_path: Path) -> Any:
    path = tmp_path / "pricing.toml"
    path.write_text(PRICING)
    pricing = await asyncio.to_thread(load_pricing, str(path))
    # Tight budgets so the hot customer below is sampled; seeded, so the test is repeatable.
    sampler = EquitableSampler(5, 50, rng=random.Random(11))
    app = create_app(
        make_settings(pricing=str(path)), storage=backend, sampler=sampler, pricing=pricing
    )
    return await aiohttp_client(app)


async def sql(client: Any, account: str, query: str) -> list[dict[str, Any]]:
    resp = await client.post(sql_url(account), data=query)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return list(body["data"])


async def test_write_retry_query_isolate_and_bill(server, backend):
    now = datetime.now(UTC)
    at = int(now.timestamp() * 1000)  # one timestamp, so the month cannot change mid-test
    small = [{"indexes": ["small"], "blobs": ["/a"], "doubles": [2.5], "timestamp": at}] * 3 + [
        {"indexes": ["small"], "blobs": ["/b", None, "x"], "doubles": [1.0, -2.0], "timestamp": at}
    ]
    key = {"Idempotency-Key": "first-batch"}
    first = await server.post(write_url("acct-a"), json=small, headers=key)
    assert first.status == 200
    assert await first.json() == {"ok": True, "accepted": 4, "stored": 4}
    again = await server.post(write_url("acct-a"), json=small, headers=key)
    assert await again.json() == {"ok": True, "accepted": 4, "stored": 4}
    assert await count(backend) == 4

    hot = [{"indexes": ["hot"], "blobs": ["/a"], "doubles": [0.5], "timestamp": at}] * 2_000
    answer = await (await server.post(write_url("acct-a"), json=hot)).json()
    assert answer["accepted"] == 2_000 and answer["stored"] < 200
    await server.post(write_url("acct-b"), json=[{"indexes": ["other"], "blobs": ["/a"]}])

    got = await sql(
        server,
        "acct-a",
        "SELECT index1, blob1, blob3, sum(_sample_interval) AS n, sum(double2) AS d2 "
        "FROM usage WHERE index1 = 'small' GROUP BY index1, blob1, blob3 ORDER BY blob1",
    )
    assert got == [
        {"index1": "small", "blob1": "/a", "blob3": "", "n": "3", "d2": 0},
        {"index1": "small", "blob1": "/b", "blob3": "x", "n": "1", "d2": -2},
    ]
    everyone = await sql(server, "acct-b", "SELECT index1, count() AS c FROM usage GROUP BY index1")
    assert everyone == [{"index1": "other", "c": "1"}]

    month = now.strftime("%Y-%m")
    resp = await server.get(f"/v1/accounts/acct-a/billing/invoices/{month}/hot")
    assert resp.status == 200, await resp.text()
    invoice = await resp.json()
    lines = [(x["meter"], x["dimension"], x["quantity"], x["amount"]) for x in invoice["lines"]]
    assert lines == [("requests", "/a", "2000", "200.00"), ("egress", None, "1000", "1000.00")]
    assert invoice["total"] == "1200.00" and invoice["exact"] is True
