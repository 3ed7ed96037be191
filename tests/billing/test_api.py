"""Invoices end to end: points written over HTTP, exact counters, the invoice API and CLI."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest

from server.app import create_app
from server.billing import load_pricing, parse_pricing
from server.billing.counters import Counters
from server.config import ConfigError
from server.ingest.commit import Pending, build_inserts
from server.ingest.sampler import EquitableSampler
from server.storage import new_batch_id
from server.storage.clickhouse import ClickHouseStorage
from server.storage.schema import INSERT_COLUMNS, retention_ddl
from tests.billing.priced import (
    ACCOUNT,
    BEFORE_MONTH,
    INVOICES,
    NOW,
    PRICING,
    REF,
    REF_MONTH,
    WRITE,
    invoice,
    ms,
    points,
    pricing_file,
    summary,
    write,
)
from tests.helpers import InterruptedStorage, count


async def test_hand_computed_invoice_with_month_boundaries_in_utc(billed):
    client = await billed()
    last_second_before = REF - timedelta(seconds=1)  # 23:59:59 of the month before
    await write(
        client,
        points(REF, 5, "/api/list", 2.0)  # 00:00:00: first second of the month
        + points(REF, 2, "/api/export", 3.0)
        + points(last_second_before, 4, "/api/list", 1.0),
    )
    inv = await invoice(client, REF_MONTH)
    # included 3 go to the dearest line first: /api/export (2 x 1.00) then 1 of /api/list
    # egress 16 GB: 10 x 0.50 + 6 x 0.20
    assert summary(inv) == [
        ("requests", "/api/export", "2", "0.00"),
        ("requests", "/api/list", "5", "0.40"),
        ("egress", None, "16", "6.20"),
    ]
    assert inv["total"] == "6.60" and inv["exact"] is True
    assert [t["amount"] for t in inv["lines"][2]["tiers"]] == ["5.00", "1.20"]
    assert {line["source"] for line in inv["lines"]} == {"exact counters"}
    assert inv["finalized"] is False  # within the 100-day grace of this test
    before = await invoice(client, BEFORE_MONTH)
    assert summary(before) == [
        ("requests", "/api/list", "4", "0.10"),
        ("egress", None, "4", "2.00"),
    ]
    assert before["total"] == "2.10"
    day = REF.strftime("%Y-%m-%d")
    assert {(d["date"], d["meter"], d["dimension"], d["quantity"]) for d in inv["daily"]} == {
        (day, "requests", "/api/export", "2"),
        (day, "requests", "/api/list", "5"),
        (day, "egress", None, "16"),
    }


async def test_month_bounds_follow_the_pricing_time_zone(billed):
    client = await billed(tz="America/New_York")
    # 00:00 UTC on the 1st is still the previous month in New York; 12:00 UTC is not.
    await write(
        client,
        points(REF, 4, "/api/list", 1.0) + points(REF + timedelta(hours=12), 6, "/api/list", 1.0),
    )
    inv = await invoice(client, REF_MONTH)
    assert summary(inv)[0] == ("requests", "/api/list", "6", "0.30")
    assert inv["period_start"].startswith(REF.strftime("%Y-%m-01T00:00:00-0"))
    before = await invoice(client, BEFORE_MONTH)
    assert summary(before)[0] == ("requests", "/api/list", "4", "0.10")


async def test_invoice_is_exact_to_the_unit_while_sampling_thins_the_rows(billed, storage):
    sampler = EquitableSampler(10, 100, rng=random.Random(3))
    client = await billed(sampler=sampler)
    answer = await write(client, points(REF + timedelta(days=3), 5_000, "/api/list", 0.25))
    assert answer["stored"] < 1_000
    assert await count(storage) == answer["stored"]
    inv = await invoice(client, REF_MONTH)
    assert summary(inv) == [
        ("requests", "/api/list", "5000", "499.70"),  # (5000 - 3) x 0.10
        ("egress", None, "1250", "253.00"),  # 10 x 0.50 + 1240 x 0.20
    ]
    assert inv["exact"] is True


async def test_data_older_than_the_meter_is_estimated_unless_no_row_was_sampled(
    aiohttp_client, make_settings, tmp_path
):
    path = str(tmp_path / "early")
    early = await ClickHouseStorage.open(path, 92)
    sampler = EquitableSampler(10, 100, rng=random.Random(5))
    client = await aiohttp_client(create_app(make_settings(), storage=early, sampler=sampler))
    moment = REF + timedelta(days=2)
    await write(
        client,
        points(moment, 3_000, "/api/list", 1.0) + points(moment, 4, "/api/export", 1.0, "beta"),
    )
    await client.close()
    await early.close()

    storage = await ClickHouseStorage.open(path, 92)
    try:
        settings = make_settings(billing_grace_hours=2400)
        pricing = parse_pricing(PRICING.format(tz="UTC"))
        client = await aiohttp_client(create_app(settings, storage=storage, pricing=pricing))
        # the hot customer was thinned: an estimate with its 95% interval
        inv = await invoice(client, REF_MONTH)
        listed = inv["lines"][0]
        assert (listed["dimension"], listed["source"], listed["exact"]) == (
            "/api/list",
            "sampled estimate",
            False,
        )
        assert float(listed["lower"]) <= 3_000 <= float(listed["upper"])
        assert abs(float(listed["quantity"]) - 3_000) < 300
        assert inv["exact"] is False
        # the light one was stored exactly (no row sampled): its rows are every point, exact
        beta = await invoice(client, REF_MONTH, "beta")
        export = beta["lines"][0]
        assert (export["source"], export["exact"], beta["exact"]) == ("unsampled rows", True, True)
        assert (export["quantity"], export["lower"], export["upper"]) == ("4", None, None)
        # new traffic for the same line is counted exactly and added to the stored rows
        await write(client, points(moment, 6, "/api/export", 1.0, "beta"))
        beta = await invoice(client, REF_MONTH, "beta")
        export = beta["lines"][0]
        assert (export["quantity"], export["exact"]) == ("10", True)
        assert export["source"] == "exact counters and unsampled rows"
    finally:
        await client.close()
        await storage.close()


async def test_points_without_the_dimension_blob_are_billed_on_an_empty_line(billed):
    client = await billed()
    at = ms(REF + timedelta(days=2))
    await write(
        client,
        [{"indexes": ["acme"], "doubles": [1.0], "timestamp": at}] * 2
        + [{"indexes": ["acme"], "blobs": [None], "doubles": [1.0], "timestamp": at}]
        + [{"indexes": ["acme"], "blobs": [""], "doubles": [1.0], "timestamp": at}]
        + points(REF + timedelta(days=2), 5, "/api/list", 1.0),
    )
    inv = await invoice(client, REF_MONTH)
    # same unit price, so the 3 included units go to the first line in dimension order: ""
    assert summary(inv) == [
        ("requests", "", "4", "0.10"),
        ("requests", "/api/list", "5", "0.50"),
        ("egress", None, "9", "4.50"),
    ]
    assert inv["total"] == "5.10"


async def test_late_points_for_a_final_month_are_billed_in_the_open_month(billed):
    client = await billed(grace_hours=0)
    this_month = NOW.strftime("%Y-%m")
    await write(client, points(REF + timedelta(days=1), 7, "/api/list", 1.0))
    closed = await invoice(client, REF_MONTH)
    assert closed["lines"] == [] and closed["total"] == "0.00" and closed["finalized"] is True
    current = await invoice(client, this_month)
    assert summary(current)[0] == ("requests", "/api/list", "7", "0.40")
    assert current["finalized"] is False


async def test_all_customers_json_and_csv(billed):
    client = await billed()
    moment = REF + timedelta(days=4)
    await write(
        client, points(moment, 4, "/api/list", 1.0) + points(moment, 1, "/api/list", 1.0, "beta")
    )
    resp = await client.get(f"{INVOICES}/{REF_MONTH}")
    body = await resp.json()
    assert [i["customer"] for i in body["invoices"]] == ["acme", "beta"]
    assert (body["currency"], body["month"], body["account"]) == ("USD", REF_MONTH, ACCOUNT)
    resp = await client.get(f"{INVOICES}/{REF_MONTH}", params={"format": "csv"})
    assert resp.content_type == "text/csv"
    assert (await resp.text()).splitlines() == [
        "customer,month,currency,meter,dimension,quantity,unit_price,amount,exact",
        f"acme,{REF_MONTH},USD,requests,/api/list,4,0.10,0.10,true",
        f"acme,{REF_MONTH},USD,egress,,4,,2.00,true",
        f"acme,{REF_MONTH},USD,,,,,2.10,true",
        f"beta,{REF_MONTH},USD,requests,/api/list,1,0.10,0.00,true",
        f"beta,{REF_MONTH},USD,egress,,1,,0.50,true",
        f"beta,{REF_MONTH},USD,,,,,0.50,true",
    ]


async def test_retry_after_a_write_interrupted_between_months_counts_usage_once(
    aiohttp_client, make_settings, storage, tmp_path
):
    # A request spanning two months commits as two parts; the process "dies" after the first.
    interrupted = InterruptedStorage(storage)
    settings = make_settings(pricing=pricing_file(tmp_path), billing_grace_hours=24 * 100)
    pricing = await asyncio.to_thread(load_pricing, settings.pricing)
    client = await aiohttp_client(create_app(settings, storage=interrupted, pricing=pricing))
    batch = points(REF - timedelta(days=2), 3, "/api/list", 1.0) + points(
        REF + timedelta(days=2), 2, "/api/list", 1.0
    )
    key = {"Idempotency-Key": "k1"}
    interrupted.allow(1)
    assert (await client.post(WRITE, json=batch, headers=key)).status == 503
    interrupted.allow(None)
    # The earlier month is complete, points and counters together; the later has nothing.
    assert await count(storage) == 3
    assert summary(await invoice(client, BEFORE_MONTH))[0][:3] == ("requests", "/api/list", "3")
    assert (await invoice(client, REF_MONTH))["lines"] == []
    # The retry writes only the missing month; a further retry writes nothing.
    assert (await client.post(WRITE, json=batch, headers=key)).status == 200
    assert (await client.post(WRITE, json=batch, headers=key)).status == 200
    assert await count(storage) == 5
    assert summary(await invoice(client, BEFORE_MONTH))[0][2] == "3"
    assert summary(await invoice(client, REF_MONTH))[0][2] == "2"


async def test_counters_live_as_long_as_a_retention_longer_than_two_years(billed, storage):
    # Points kept ten years: a month written 800 days ago must still invoice exactly after
    # the engine applies its TTLs, not 0.00 "exact" while its rows are there.
    client = await billed()
    old = int((NOW - timedelta(days=800)).timestamp())
    month = datetime.fromtimestamp(old, UTC).strftime("%Y-%m")
    counters = Counters(parse_pricing(PRICING.format(tz="UTC")), grace_hours=24 * 100)
    written = Pending("acct", "usage", [old], [1], ["acme"], [["/api/list"]], [[1.0]])
    written.counters = counters.rows("usage", [old], ["acme"], [["/api/list"]], [[1.0]], old)
    await storage.command(retention_ddl(storage.database, 3650))
    for batch in build_inserts([written], new_batch_id()):
        await storage.insert_columns("points", INSERT_COLUMNS, batch.encode())
    await storage.command(f"OPTIMIZE TABLE {storage.database}.points FINAL")
    assert await count(storage) == 1
    lines = (await invoice(client, month))["lines"]
    assert [(x["meter"], x["quantity"], x["exact"]) for x in lines] == [
        ("requests", "1", True),
        ("egress", "1", True),
    ]


@pytest.mark.parametrize(
    ("path", "status"),
    [(f"{INVOICES}/2026-13", 400), (f"{INVOICES}/{REF_MONTH}?format=xml", 400)],
)
async def test_bad_requests(billed, path, status):
    client = await billed()
    resp = await client.get(path)
    assert resp.status == status
    assert (await resp.json())["ok"] is False


async def test_billing_without_pricing_is_404(client):
    resp = await client.get(f"{INVOICES}/{REF_MONTH}")
    assert resp.status == 404
    assert (await resp.json())["error"] == (
        "billing is not configured: start the server with --pricing <file> "
        "(USAGEHOUSE_PRICING); the repository's pricing.example.toml is a ready example"
    )


async def test_invoices_need_a_read_token_for_the_account(
    aiohttp_client, make_settings, storage, tmp_path
):
    settings = make_settings(tokens="r:acct:r,o:other:r")
    pricing = parse_pricing(PRICING.format(tz="UTC"))
    client = await aiohttp_client(create_app(settings, storage=storage, pricing=pricing))
    assert (await client.get(f"{INVOICES}/{REF_MONTH}")).status == 401
    other = await client.get(f"{INVOICES}/{REF_MONTH}", headers={"Authorization": "Bearer o"})
    assert other.status == 403
    mine = await client.get(f"{INVOICES}/{REF_MONTH}", headers={"Authorization": "Bearer r"})
    assert mine.status == 200


def test_invalid_pricing_file_stops_start_up(make_settings, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('currency = "USD"\n[[meters]]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        create_app(make_settings(pricing=str(path)))
