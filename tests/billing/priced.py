"""A server priced for invoice tests: the pricing file (a count meter with a per-endpoint price
and a tiered sum meter), the reference month, and calls to write points and read invoices."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.app import create_app
from server.billing import load_pricing

ACCOUNT = "acct"
WRITE = f"/v1/accounts/{ACCOUNT}/datasets/usage/points"
INVOICES = f"/v1/accounts/{ACCOUNT}/billing/invoices"

PRICING = """
currency = "USD"
timezone = "{tz}"

[[meters]]
name = "requests"
dataset = "usage"
measure = "count"
dimension = "blob1"
unit_price = "0.10"
included = 3
[meters.prices]
"/api/export" = "1.00"

[[meters]]
name = "egress"
dataset = "usage"
measure = "sum(double1)"
unit = "GB"
tiers = [{{ up_to = 10, unit_price = "0.50" }}, {{ unit_price = "0.20" }}]
"""


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


NOW = datetime.now(UTC)
# The previous month: always complete, and with the month before it inside the retention.
REF = month_start(month_start(NOW) - timedelta(days=1))
REF_MONTH = REF.strftime("%Y-%m")
BEFORE_MONTH = (REF - timedelta(days=1)).strftime("%Y-%m")


def pricing_file(tmp_path: Path, tz: str = "UTC") -> str:
    path = tmp_path / "pricing.toml"
    path.write_text(PRICING.format(tz=tz))
    return str(path)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def points(moment: datetime, n: int, endpoint: str, gb: float, customer: str = "acme") -> list:
    return [
        {"indexes": [customer], "blobs": [endpoint], "doubles": [gb], "timestamp": ms(moment)}
    ] * n


@pytest.fixture
async def billed(aiohttp_client, make_settings, storage, tmp_path):
    async def start(tz: str = "UTC", grace_hours: float = 24 * 100, sampler=None):
        path = pricing_file(tmp_path, tz)
        settings = make_settings(pricing=path, billing_grace_hours=grace_hours)
        pricing = await asyncio.to_thread(load_pricing, path)
        app = create_app(settings, storage=storage, sampler=sampler, pricing=pricing)
        return await aiohttp_client(app)

    return start


async def write(client, batch: list) -> dict:
    resp = await client.post(WRITE, json=batch)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def invoice(client, month: str, customer: str = "acme") -> dict:
    resp = await client.get(f"{INVOICES}/{month}/{customer}")
    assert resp.status == 200, await resp.text()
    return await resp.json()


def summary(inv: dict) -> list[tuple]:
    return [(x["meter"], x["dimension"], x["quantity"], x["amount"]) for x in inv["lines"]]
