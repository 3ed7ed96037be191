"""The `backend` fixture: each storage test runs the one storage class on embedded chDB and on
a ClickHouse server (testcontainers with a Docker engine, or USAGEHOUSE_TEST_CLICKHOUSE_URL;
else that variant skips)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from server.storage import Storage, schema
from server.storage.clickhouse import ClickHouseStorage
from tests.conftest import remote_url_or_skip

CLICKHOUSE_IMAGE = "clickhouse/clickhouse-server:25.8"


@pytest.fixture(scope="session")
def remote_url() -> Iterator[str]:
    url = remote_url_or_skip()
    if url:
        yield url
        return
    from testcontainers.clickhouse import ClickHouseContainer

    with ClickHouseContainer(CLICKHOUSE_IMAGE) as ch:
        host, port = ch.get_container_host_ip(), ch.get_exposed_port(8123)
        yield f"http://{ch.username}:{ch.password}@{host}:{port}/usagehouse_test"


@pytest.fixture(params=["embedded", pytest.param("remote", marks=pytest.mark.docker)])
def location(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """What USAGEHOUSE_STORAGE would say: a fresh directory, or the test server's URL."""
    if request.param == "remote":
        return str(request.getfixturevalue("remote_url"))
    return str(tmp_path / "ch")


@pytest.fixture
async def backend(location: str) -> AsyncIterator[Storage]:
    store: Storage = await ClickHouseStorage.open(location, 92)
    if location.startswith("http"):  # the server's database outlives one test
        for table in (schema.TABLE, schema.METER_STARTS_TABLE):
            await store.command(f"TRUNCATE TABLE {store.database}.{table}")
    yield store
    await store.close()
