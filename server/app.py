"""`create_app`: every route, the middlewares, and the resources (in cleanup_ctx)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CollectorRegistry

from .auth import Authenticator
from .billing import Pricing, load_pricing
from .billing.counters import Counters
from .billing.ledger import Ledger
from .config import ConfigError, Settings
from .ingest import Ingestor
from .ingest.idempotency import IdempotencyStore
from .ingest.sampler import EquitableSampler, PassThrough, Sampler
from .ingest.writer import BatchWriter, QueueLimits
from .metrics import Metrics
from .sql.admission import QueryGate
from .storage import Storage, open_storage
from .web import billing, grafana, ops, query, write
from .web.connections import handler_args
from .web.errors import Handler, error_middleware, render_cloudflare, render_grafana, render_ours
from .web.keys import (
    AUTH,
    IN_FLIGHT,
    INGESTOR,
    LEDGER,
    METRICS,
    QUERY_GATE,
    SETTINGS,
    STORAGE,
    WRITER,
    InFlight,
)

#: Where Cloudflare's API lives (the SQL API) and where the Grafana datasource does.
CLOUDFLARE_PREFIX = "/client/v4"
GRAFANA_PREFIX = "/grafana"


def _routes(app: web.Application) -> None:
    """The one place that lists every URL. Each API family answers errors in its own shape: our
    own routes (operations, write API, billing) through the app's middleware, the SQL API and
    the Grafana datasource through their sub-applications'."""
    app.router.add_get("/health", ops.health)
    app.router.add_get("/ready", ops.ready)
    app.router.add_get("/metrics", ops.metrics)
    app.router.add_get("/openapi.json", ops.openapi)
    app.router.add_post("/v1/accounts/{account_id}/datasets/{dataset}/points", write.write_points)
    invoices = "/v1/accounts/{account_id}/billing/invoices/{month}"
    app.router.add_get(invoices, billing.invoices)
    app.router.add_get(invoices + "/", billing.unindexed_invoice)
    app.router.add_get(invoices + "/{customer}", billing.invoices)

    sql_api = web.Application(middlewares=[error_middleware(render_cloudflare)])
    sql_url = "/accounts/{account_id}/analytics_engine/sql"
    for url in (sql_url, sql_url + "/"):  # the Altinity plugin's GET mode adds "/?query="
        sql_api.router.add_post(url, query.sql)
        sql_api.router.add_get(url, query.sql)
    app.add_subapp(CLOUDFLARE_PREFIX, sql_api)

    datasource = web.Application(middlewares=[error_middleware(render_grafana)])
    datasource.router.add_get("/json", grafana.health)
    datasource.router.add_get("/json/", grafana.health)
    datasource.router.add_post("/json/metrics", grafana.metrics)
    datasource.router.add_post("/json/metric-payload-options", grafana.metric_payload_options)
    datasource.router.add_post("/json/query", grafana.query)
    datasource.router.add_post("/json/variable", grafana.variable)
    datasource.router.add_post("/json/tag-keys", grafana.tag_keys)
    datasource.router.add_post("/json/tag-values", grafana.tag_values)
    app.add_subapp(GRAFANA_PREFIX, datasource)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request latency by route template, so label cardinality stays bounded."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        request.app[METRICS].http_request_duration_seconds.labels(
            name, request.method, str(status)
        ).observe(time.perf_counter() - started)


@web.middleware
async def in_flight_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the requests being handled, so a shutdown can say what it waits for."""
    in_flight = request.app[IN_FLIGHT]
    in_flight.count += 1
    try:
        return await handler(request)
    finally:
        in_flight.count -= 1


def make_sampler(settings: Settings) -> Sampler:
    """The sampler USAGEHOUSE_SAMPLING asks for."""
    if settings.sampling == "off":
        return PassThrough()
    return EquitableSampler(settings.sample_index_budget, settings.sample_total_budget)


def create_app(
    settings: Settings,
    *,
    storage: Storage | None = None,
    registry: CollectorRegistry | None = None,
    sampler: Sampler | None = None,
    pricing: Pricing | None = None,
) -> web.Application:
    """Build the application; `storage` may be injected (tests), else it is opened on start.
    The pricing file is read here, before the event loop runs, unless `pricing` is given."""
    auth = Authenticator(settings.tokens)
    if auth.local_dev and not settings.is_loopback:
        raise ConfigError(
            f"refusing to listen on {settings.host} without USAGEHOUSE_TOKENS: local-dev mode "
            "accepts any account without a token, so it only binds to loopback addresses"
        )
    app = web.Application(
        middlewares=[in_flight_middleware, metrics_middleware, error_middleware(render_ours)],
        # Handlers read bodies with web.bodies.read_body, which checks first (and names the
        # setting); this only backstops a plain request.read().
        client_max_size=settings.max_body_bytes,
        handler_args=handler_args(settings),
    )
    app[SETTINGS] = settings
    app[AUTH] = auth
    app[IN_FLIGHT] = InFlight()
    app[METRICS] = Metrics(registry or CollectorRegistry())
    app[QUERY_GATE] = QueryGate.from_settings(settings)
    if pricing is None and settings.pricing:
        pricing = load_pricing(settings.pricing)

    async def storage_ctx(app: web.Application) -> AsyncIterator[None]:
        app[STORAGE] = storage or await open_storage(settings)
        yield
        if storage is None:
            await app[STORAGE].close()

    async def writer_ctx(app: web.Application) -> AsyncIterator[None]:
        limits = QueueLimits(
            settings.queue_max_points, settings.queue_max_bytes, settings.queue_account_share
        )
        writer = BatchWriter(
            app[STORAGE],
            app[METRICS],
            limits,
            settings.max_batch_points,
            settings.flush_interval_ms / 1000,
        )
        app[WRITER] = writer
        app[INGESTOR] = Ingestor(
            writer=writer,
            sampler=sampler or make_sampler(settings),
            idempotency=IdempotencyStore(app[STORAGE]),
            metrics=app[METRICS],
            retention_days=settings.retention_days,
            max_points_per_request=settings.max_points_per_request,
            counters=Counters(pricing, settings.billing_grace_hours) if pricing else None,
        )
        writer.start()
        yield
        await writer.stop()

    async def ledger_ctx(app: web.Application) -> AsyncIterator[None]:
        if pricing is not None:
            ledger = Ledger(app[STORAGE], pricing, settings.billing_grace_hours)
            await ledger.start()
            app[LEDGER] = ledger
        yield

    app.cleanup_ctx.extend([storage_ctx, ledger_ctx, writer_ctx])
    _routes(app)
    return app
