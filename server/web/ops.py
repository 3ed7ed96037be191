"""Operations endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..auth import check_metrics_token
from .keys import METRICS, SETTINGS, STORAGE, WRITER
from .openapi import OPENAPI


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def ready(request: web.Request) -> web.Response:
    storage = request.app[STORAGE]
    await storage.ping()
    return web.json_response(
        {
            "ok": True,
            "storage": storage.description,
            "queued_points": request.app[WRITER].queued_points,
        }
    )


async def metrics(request: web.Request) -> web.Response:
    check_metrics_token(request.app[SETTINGS].metrics_token, request.headers.get("Authorization"))
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(OPENAPI)
