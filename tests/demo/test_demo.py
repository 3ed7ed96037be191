"""`usagehouse demo`: the traffic it generates, and runs against a real in-process server."""

from __future__ import annotations

import argparse
import re
import socket
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from server.app import create_app
from server.config import Settings
from server.demo import (
    ENDPOINTS,
    INCIDENT_PATH,
    DemoError,
    DemoOptions,
    add_demo_command,
    generate_points,
    live_points,
    run_demo,
)
from server.ingest.points import validate
from server.storage import Storage
from tests.helpers import POINTS_ONLY, count, rows

NOW_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC, a Thursday
DAY_MS = 86_400_000


def points(**overrides: Any) -> list[dict[str, Any]]:
    options = DemoOptions(**{"points": 20_000, **overrides})
    return list(generate_points(options, NOW_MS))


def test_same_seed_gives_identical_points() -> None:
    assert points(seed=7) == points(seed=7)
    assert points(seed=7) != points(seed=8)


def test_backfill_writes_exactly_the_requested_points() -> None:
    assert len(points(points=12_345)) == 12_345
    assert points(points=0) == []


def test_customer_volume_is_pareto_shaped() -> None:
    per_customer = sorted(Counter(p["indexes"][0] for p in points()).values(), reverse=True)
    assert len(per_customer) == 50
    assert per_customer[0] > 10 * per_customer[25]  # the top customer dwarfs the median
    assert sum(per_customer[:10]) > 0.5 * sum(per_customer)  # a fifth of customers, most traffic


def test_timestamps_lie_inside_the_span_in_time_order() -> None:
    stamps = [p["timestamp"] for p in points(days=3)]
    assert stamps == sorted(stamps)
    assert stamps[0] >= NOW_MS - 3 * DAY_MS + 3_600_000 and stamps[-1] <= NOW_MS


def test_traffic_follows_the_time_of_day() -> None:
    hours = Counter((p["timestamp"] // 3_600_000) % 24 for p in points())
    assert hours[15] > 2.5 * hours[3]


def test_every_point_passes_ingest_validation() -> None:
    generated = points()
    wire = orjson.loads(orjson.dumps(generated))
    validated = validate(wire, NOW_MS // 1000, retention_days=92)
    assert len(validated) == len(generated)
    paths = {e.path for e in ENDPOINTS}
    for p in generated:
        assert re.fullmatch(r"cust-\d{4}", p["indexes"][0])
        endpoint, method, status, colo = p["blobs"]
        assert endpoint in paths and method.isupper() and re.fullmatch(r"[1-5]\d\d", status)
        assert re.fullmatch(r"[A-Z]{3}", colo)
        latency, size = p["doubles"]
        assert latency > 0 and size >= 0


def test_payments_has_the_highest_server_error_rate() -> None:
    errors: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for p in points(points=50_000):
        totals[p["blobs"][0]] += 1
        errors[p["blobs"][0]] += p["blobs"][2].startswith("5")
    rates = {path: errors[path] / totals[path] for path in totals}
    assert max(rates, key=rates.__getitem__) == INCIDENT_PATH
    assert rates[INCIDENT_PATH] > 5 * rates["/api/v1/users"]


def test_live_points_carry_no_timestamp_and_the_same_customers() -> None:
    stream = live_points(DemoOptions(customers=5))
    live: list[dict[str, Any]] = [next(stream) for _ in range(500)]
    assert all("timestamp" not in p for p in live)
    assert {p["indexes"][0] for p in live} <= {f"cust-000{n}" for n in range(1, 6)}


def test_cli_flags_map_to_options() -> None:
    parser = argparse.ArgumentParser()
    add_demo_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["demo", "--live", "-1", "--points", "10", "--days", "2"])
    assert (args.live, args.points, args.days, args.url) == (-1, 10, 2, DemoOptions().url)


def test_bad_options_are_refused_before_sending() -> None:
    with pytest.raises(DemoError, match="--days"):
        DemoOptions(days=0.01).check()
    with pytest.raises(DemoError, match="--live"):
        DemoOptions(live=-2).check()


async def start(aiohttp_server: Any, app: web.Application) -> str:
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def app_factory(
    make_settings: Callable[..., Settings], storage: Storage
) -> Callable[..., web.Application]:
    def factory(**overrides: Any) -> web.Application:
        # Sampling off: every point the demo sends must be stored exactly once.
        settings = make_settings(**{"sampling": "off", **overrides})
        return create_app(settings, storage=storage, registry=CollectorRegistry())

    return factory


async def test_demo_fills_a_real_server(
    aiohttp_server: Any, app_factory: Callable[..., web.Application], storage: Storage
) -> None:
    url = await start(aiohttp_server, app_factory())
    seen: list[tuple[int, int]] = []
    options = DemoOptions(url=url, points=5000, customers=20, batch=1000)
    summary = await run_demo(options, lambda done, total: seen.append((done, total)))
    assert (summary.accepted, summary.stored, summary.retries) == (5000, 5000, 0)
    assert await count(storage) == 5000
    assert seen[0] == (0, 5000) and seen[-1] == (5000, 5000)
    found = await rows(
        storage,
        "SELECT uniqExact(index1) AS customers, min(timestamp) >= now() - INTERVAL 7 DAY AS fresh "
        "FROM {db}.points WHERE account_id = 'demo' AND dataset = 'usage_indexed_by_customer_id'",
    )
    assert found == [{"customers": 20, "fresh": 1}]
    # A second run is new traffic, not a retry of the first: its idempotency keys differ.
    await run_demo(options)
    assert await count(storage) == 10_000


@pytest.mark.slow  # 1.5 s of live traffic
async def test_live_traffic_follows_the_backfill(
    aiohttp_server: Any, app_factory: Callable[..., web.Application], storage: Storage
) -> None:
    url = await start(aiohttp_server, app_factory())
    summary = await run_demo(DemoOptions(url=url, points=100, live=1.5, rate=200))
    assert summary.accepted == 100 + 300
    assert await count(storage, "timestamp >= now() - 60") == 300
    # Sent over 1.5 s, not in one burst: the server stamped the live points in two seconds or
    # more (the first batch leaves after a tick, the last no earlier than 1.5 s in).
    [spread] = await rows(
        storage,
        "SELECT uniqExact(timestamp) AS n FROM {db}.points "
        f"WHERE {POINTS_ONLY} AND timestamp >= now() - 60",
    )
    assert spread["n"] >= 2


async def test_token_is_sent_and_a_refusal_stops_the_demo(
    aiohttp_server: Any, app_factory: Callable[..., web.Application]
) -> None:
    url = await start(aiohttp_server, app_factory(tokens="wtok:demo:w,other:acme:w"))
    ok = await run_demo(DemoOptions(url=url, token="wtok", points=10))
    assert ok.accepted == 10
    with pytest.raises(DemoError, match=r"401.*--token or USAGEHOUSE_DEMO_TOKEN"):
        await run_demo(DemoOptions(url=url, points=10))
    with pytest.raises(DemoError, match=r"403.*write scope"):
        await run_demo(DemoOptions(url=url, token="other", points=10))


async def test_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DemoError, match=f"cannot reach usagehouse at http://127.0.0.1:{port}"):
        await run_demo(DemoOptions(url=f"http://127.0.0.1:{port}", points=10))


async def test_overload_is_retried_under_the_same_idempotency_key(aiohttp_server: Any) -> None:
    """A stand-in server answers 503 to each batch's first attempt, as a full queue does."""
    keys: list[str] = []

    async def write(request: web.Request) -> web.Response:
        key = request.headers["Idempotency-Key"]
        keys.append(key)
        if keys.count(key) == 1:
            return web.json_response({"ok": False}, status=503, headers={"Retry-After": "0"})
        batch = await request.json()
        return web.json_response({"ok": True, "accepted": len(batch), "stored": len(batch)})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_post("/v1/accounts/{account}/datasets/{dataset}/points", write)
    url = await start(aiohttp_server, app)
    summary = await run_demo(DemoOptions(url=url, points=2500, batch=1000))
    assert summary.accepted == 2500 and summary.retries == 3 and summary.requests == 6
    assert sorted(Counter(keys).values()) == [2, 2, 2]
