"""A server filled once by `usagehouse demo`, and Grafana's view of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from server.app import create_app
from server.config import Settings, load_settings
from server.demo import DemoOptions, run_demo
from server.storage.clickhouse import ClickHouseStorage
from tests.grafana.live import ACCOUNT, DEMO_POINTS, TOKENS, WRITE, Grafana
from tests.grafana.provisioned import PRICING


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo_storage(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ClickHouseStorage]:
    """One storage for a test module, filled once by `usagehouse demo` over 7 days (chDB opens one
    data directory per process at a time, so it cannot outlive the module). Sampling is off so
    small counts (a customer's 5xx) are exact and the checks cannot flake; weighting by
    _sample_interval is covered in test_datasource.py."""
    path = tmp_path_factory.mktemp("dashboards")
    store = await ClickHouseStorage.open(str(path / "chdb"), retention_days=92)
    settings = load_settings({}, tokens=TOKENS, storage=str(path), sampling="off")
    # With the pricing, the demo's writes keep the exact billing counters the bill panels read.
    app = create_app(settings, storage=store, pricing=PRICING)
    async with TestClient(TestServer(app)) as client:
        url = str(client.make_url("")).rstrip("/")
        summary = await run_demo(
            DemoOptions(url=url, token=WRITE, account=ACCOUNT, points=DEMO_POINTS, days=7)
        )
    assert summary.accepted == DEMO_POINTS
    yield store
    await store.close()


@pytest.fixture
async def grafana(
    aiohttp_client: Any,
    make_settings: Callable[..., Settings],
    demo_storage: ClickHouseStorage,
    registry: CollectorRegistry,
) -> Grafana:
    settings = make_settings(tokens=TOKENS, sampling="off")
    app = create_app(settings, storage=demo_storage, registry=registry, pricing=PRICING)
    return Grafana(await aiohttp_client(app))
