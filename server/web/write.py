"""POST /v1/accounts/{account_id}/datasets/{dataset}/points, and /import (scope `i`): points
that keep their `_sample_interval` from another WAE-compatible store (`usagehouse import`)."""

from __future__ import annotations

from aiohttp import web

from .keys import AUTH, INGESTOR


async def _write(request: web.Request, scope: str) -> web.Response:
    account_id = request.match_info["account_id"]
    request.app[AUTH].authorize(request.headers.get("Authorization"), account_id, scope)
    body = await request.read()
    result = await request.app[INGESTOR].write(
        account_id,
        request.match_info["dataset"],
        body,
        request.content_type,
        request.headers.get("Idempotency-Key"),
        imported=scope == "i",
    )
    return web.json_response(result)


async def write_points(request: web.Request) -> web.Response:
    return await _write(request, "w")


async def import_points(request: web.Request) -> web.Response:
    return await _write(request, "i")
