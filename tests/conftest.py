"""Shared fixtures: settings factory, real embedded storage, real servers on loopback."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from blockbuster import BlockBuster, blockbuster_ctx
from hypothesis import settings as hypothesis_settings
from prometheus_client import CollectorRegistry

from server.app import create_app
from server.config import Settings, load_settings
from server.storage import Storage
from server.storage.clickhouse import ClickHouseStorage

REMOTE_URL_ENV = "USAGEHOUSE_TEST_CLICKHOUSE_URL"
# Fixtures shared across packages: `billed`, a server with a pricing file (billing, ingest).
pytest_plugins = ["tests.billing.priced"]

# Property tests: `ci` (the default) is seeded, so every run tries the same examples and a
# failure reproduces; `HYPOTHESIS_PROFILE=explore` draws fresh ones, ten times as many for tests
# that leave the count to the profile, to look for new failures (each becomes a regression case).
hypothesis_settings.register_profile("ci", derandomize=True, database=None, max_examples=300)
hypothesis_settings.register_profile("explore", derandomize=False, max_examples=3000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def blockbuster(request: pytest.FixtureRequest) -> Iterator[BlockBuster | None]:
    """Fail any test whose event loop makes a blocking call (chDB must run off-loop)."""
    if "no_blockbuster" in request.keywords:
        yield None
        return
    with blockbuster_ctx("server") as bb:
        yield bb


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the expected halves of tests/sql/golden/*.sql",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Each xdist worker would rewrite the golden files with only its share of the cases.
    if config.getoption("--update-goldens") and config.getoption("numprocesses", default=None):
        raise pytest.UsageError("--update-goldens rewrites files: run it without -n")


@pytest.fixture
def make_settings(tmp_path: Any) -> Callable[..., Settings]:
    """Settings from an empty environment plus overrides; storage under tmp_path. Sampling is
    off unless a test asks for it, so stored rows can be counted exactly."""

    def factory(**overrides: Any) -> Settings:
        overrides.setdefault("storage", str(tmp_path / "data"))
        overrides.setdefault("sampling", "off")
        return load_settings({}, **overrides)

    return factory


@pytest.fixture
async def storage(tmp_path: Any) -> AsyncIterator[ClickHouseStorage]:
    """Real embedded chDB in a fresh directory."""
    store = await ClickHouseStorage.open(str(tmp_path / "chdb"), retention_days=92)
    yield store
    await store.close()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def client(
    aiohttp_client: Any,
    make_settings: Callable[..., Settings],
    storage: Storage,
    registry: CollectorRegistry,
) -> TestClient[Any, Any]:
    """A real server on loopback over real embedded storage, local-dev mode."""
    app = create_app(make_settings(), storage=storage, registry=registry)
    result: TestClient[Any, Any] = await aiohttp_client(app)
    return result


def docker_engine_reachable() -> bool:
    """Whether a Docker engine answers on DOCKER_HOST (or the default socket)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return True  # a TCP engine: let testcontainers try it
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(1)
            sock.connect(host.removeprefix("unix://"))
    except OSError:
        return False
    return True


def remote_url_or_skip() -> str:
    """A ClickHouse server URL for remote-backend tests, "" to start one with testcontainers,
    or skip saying how to enable them."""
    url = os.environ.get(REMOTE_URL_ENV)
    if url:
        return url
    if not docker_engine_reachable():
        pytest.skip(
            "remote ClickHouse tests need a Docker engine (testcontainers) or "
            f"{REMOTE_URL_ENV}=http://user:pass@host:8123/db"
        )
    return ""
