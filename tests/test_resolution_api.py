"""Read-time resolutions over HTTP: the answer's header, the override, the Grafana notice, and
invoices that never read a copy."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from server.app import create_app
from server.billing import parse_pricing
from server.config import DEFAULT_ACCOUNT
from server.storage import InsertBatch
from server.storage.schema import COPIES, COUNTERS_DATASET, INSERT_COLUMNS, TABLE

ACCOUNT = DEFAULT_ACCOUNT  # Grafana's account in local-dev mode
SQL = f"/client/v4/accounts/{ACCOUNT}/analytics_engine/sql"
POINTS = 20_000
BUDGET = 5_000  # the 20,000 points are over it, their 10 % copy (~2,000 rows) within
PER_CUSTOMER = "SELECT index1 AS customer, sum(_sample_interval) AS n FROM usage GROUP BY customer"
TOTAL = "SELECT sum(_sample_interval) AS n FROM usage"


def stored(n: int, *, at: int, batch: int, interval: int = 1, dataset: str = "usage"):
    return InsertBatch(
        [ACCOUNT] * n,
        [dataset] * n,
        [at] * n,
        [interval] * n,
        [f"c{i % 5}" for i in range(n)],
        [["/api/list"]] * n,
        [[1.0]] * n,
        batch=batch,
    )


@pytest.fixture
async def abr(aiohttp_client, make_settings, storage, registry):
    at = int(time.time()) - 60
    for data in (stored(POINTS, at=at, batch=1), stored(10, at=at, batch=2, dataset="tiny")):
        await storage.insert_columns(TABLE, INSERT_COLUMNS, data.encode())
    settings = make_settings(sql_read_budget_rows=BUDGET)
    return await aiohttp_client(create_app(settings, storage=storage, registry=registry))


async def sql(client, text: str, params: dict | None = None, headers: dict | None = None):
    resp = await client.post(SQL, data=text.encode(), params=params or {}, headers=headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return resp.headers["Usagehouse-Resolution"], body["data"]


async def test_every_answer_says_which_resolution_it_was_read_from(abr):
    label, data = await sql(abr, TOTAL)
    assert label == "10%" and data[0]["n"] != str(POINTS)
    assert await sql(abr, "SELECT sum(_sample_interval) AS n FROM tiny") == ("100%", [{"n": "10"}])
    assert (await sql(abr, "SHOW TABLES"))[0] == "100%"
    scrape = await (await abr.get("/metrics")).text()
    assert 'usagehouse_sql_queries_by_resolution_total{resolution="10%"} 1.0' in scrape
    assert 'usagehouse_sql_queries_by_resolution_total{resolution="100%"} 2.0' in scrape


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"resolution": "full"}, None),
        (None, {"Usagehouse-Resolution": "full"}),
        ({"resolution": "100%"}, {"Usagehouse-Resolution": "1%"}),  # the parameter wins
    ],
)
async def test_full_resolution_on_demand(abr, params, headers):
    assert await sql(abr, TOTAL, params, headers) == ("100%", [{"n": str(POINTS)}])


async def test_a_coarser_resolution_on_demand(abr):
    assert (await sql(abr, "SELECT 1 AS one FROM tiny", {"resolution": "1%"}))[0] == "1%"


async def test_an_unknown_resolution_is_a_400_naming_the_choices(abr):
    resp = await abr.post(SQL, data=TOTAL.encode(), params={"resolution": "half"})
    assert resp.status == 400
    assert "resolution must be one of adaptive, full, 100%, 10%, 1%" in await resp.text()


def grafana_query(sql_text: str) -> dict:
    now = int(time.time())
    return {
        "range": {
            "from": datetime.fromtimestamp(now - 3600, UTC).isoformat(),
            "to": datetime.fromtimestamp(now + 60, UTC).isoformat(),
        },
        "intervalMs": 60_000,
        "maxDataPoints": 100,
        "targets": [{"refId": "A", "target": "usage", "payload": {"sql": sql_text}}],
    }


async def test_grafana_frames_carry_a_notice_when_read_from_a_copy(abr):
    body = grafana_query(PER_CUSTOMER)
    resp = await abr.post("/grafana/json/query", json=body)
    assert resp.status == 200, await resp.text()
    [frame] = await resp.json()
    [notice] = frame["meta"]["notices"]
    assert notice["severity"] == "info"
    assert notice["text"].startswith("Estimate: read from the 10% resolution")
    full = await abr.post(
        "/grafana/json/query", json=body, headers={"Usagehouse-Resolution": "full"}
    )
    [frame] = await full.json()
    assert "meta" not in frame
    assert sum(frame["fields"][1]["values"]) == POINTS


PRICING = """
currency = "USD"
timezone = "UTC"

[[meters]]
name = "requests"
dataset = "usage"
measure = "count"
dimension = "blob1"
unit_price = "0.10"
"""


async def test_invoices_never_read_a_copy(aiohttp_client, make_settings, storage):
    this_month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_start = (this_month - timedelta(days=1)).replace(day=1)
    at = int((month_start + timedelta(days=2)).timestamp())
    # Points from before the meter existed (estimated from the points table: sampled rows)...
    await storage.insert_columns(
        TABLE, INSERT_COLUMNS, stored(3_000, at=at, batch=1, interval=3).encode()
    )
    pricing = await asyncio.to_thread(parse_pricing, PRICING)  # reads the zone database
    app = create_app(make_settings(sql_read_budget_rows=BUDGET), storage=storage, pricing=pricing)
    client = await aiohttp_client(app)
    # ... and points written since (exact counters).
    point = {"indexes": ["c0"], "blobs": ["/api/export"], "timestamp": at * 1000}
    resp = await client.post(f"/v1/accounts/{ACCOUNT}/datasets/usage/points", json=[point] * 50)
    assert resp.status == 200
    url = f"/v1/accounts/{ACCOUNT}/billing/invoices/{month_start:%Y-%m}/c0"
    before = await (await client.get(url)).json()
    sources = {line["source"] for line in before["lines"]}
    assert sources == {"exact counters", "sampled estimate"}

    # Poison both copies: every point and counter row there weighs a thousand times more.
    db = storage.database
    for copy in COPIES:
        await storage.command(
            f"INSERT INTO {db}.{copy.table} (account_id, dataset, timestamp, _sample_interval, "
            "index1, blob1, blob2, double1, double2, double3, _batch) SELECT account_id, dataset, "
            "timestamp, 1000, index1, blob1, blob2, double1 * 1000, double2 * 1000, double3, "
            f"_batch FROM {db}.{TABLE} WHERE account_id = '{ACCOUNT}'"
        )
    poisoned = await client.post(SQL, data=TOTAL.encode(), params={"resolution": "10%"})
    assert int((await poisoned.json())["data"][0]["n"]) > 1000 * 3_000  # a copy would show it
    copied = await storage.query(
        f"SELECT count() FROM {db}.{COPIES[0].table} WHERE dataset = '{COUNTERS_DATASET}'",
        "TabSeparated",
    )
    assert int(copied) > 0  # counter rows too
    assert await (await client.get(url)).json() == before
