"""`create_app`: every route, the middlewares, and the resources (in cleanup_ctx)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.compression_utils import HAS_BROTLI, HAS_ZSTD
from prometheus_client import CollectorRegistry

from .auth import Authenticator
from .billing import Pricing, load_pricing
from .billing.counters import Counters
from .billing.ledger import Ledger
from .config import ConfigError, Settings
from .errors import Handler, UnsupportedMediaType, error_middleware
from .ingest import Ingestor
from .ingest.idempotency import IdempotencyStore
from .ingest.sampler import EquitableSampler, PassThrough, Sampler
from .ingest.writer import BatchWriter, QueueLimits
from .metrics import Metrics
from .sql.admission import QueryGate
from .storage import Storage, open_storage
from .web import billing, grafana, ops, query, write
from .web.keys import AUTH, INGESTOR, LEDGER, METRICS, QUERY_GATE, SETTINGS, STORAGE, WRITER


def _routes(app: web.Application) -> None:
    """The one place that lists every URL."""
    app.router.add_get("/health", ops.health)
    app.router.add_get("/ready", ops.ready)
    app.router.add_get("/metrics", ops.metrics)
    app.router.add_get("/openapi.json", ops.openapi)
    app.router.add_post("/v1/accounts/{account_id}/datasets/{dataset}/points", write.write_points)
    app.router.add_post("/v1/accounts/{account_id}/datasets/{dataset}/import", write.import_points)
    sql_url = "/client/v4/accounts/{account_id}/analytics_engine/sql"
    for url in (sql_url, sql_url + "/"):  # the Altinity plugin's GET mode adds "/?query="
        app.router.add_post(url, query.sql)
        app.router.add_get(url, query.sql)
    invoices = "/v1/accounts/{account_id}/billing/invoices/{month}"
    app.router.add_get(invoices, billing.invoices)
    app.router.add_get(invoices + "/{customer}", billing.invoices)
    app.router.add_get("/grafana/json", grafana.health)
    app.router.add_get("/grafana/json/", grafana.health)
    app.router.add_post("/grafana/json/metrics", grafana.metrics)
    app.router.add_post("/grafana/json/metric-payload-options", grafana.metric_payload_options)
    app.router.add_post("/grafana/json/query", grafana.query)
    app.router.add_post("/grafana/json/variable", grafana.variable)
    app.router.add_post("/grafana/json/tag-keys", grafana.tag_keys)
    app.router.add_post("/grafana/json/tag-values", grafana.tag_values)


# What aiohttp decodes; it would pass a body in any other encoding through as if it were plain.
BODY_ENCODINGS = frozenset(
    {"", "identity", "gzip", "deflate"}
    | ({"zstd"} if HAS_ZSTD else set())
    | ({"br"} if HAS_BROTLI else set())
)


@web.middleware
async def encoding_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse request bodies in a Content-Encoding we cannot decode, rather than misread them."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in BODY_ENCODINGS:
        supported = ", ".join(sorted(BODY_ENCODINGS - {""}))
        raise UnsupportedMediaType(
            f"Content-Encoding {encoding[:40]!r} is not supported: send {supported}, or none"
        )
    return await handler(request)


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
        middlewares=[metrics_middleware, error_middleware, encoding_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[AUTH] = auth
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
