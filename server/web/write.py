"""POST /v1/accounts/{account_id}/datasets/{dataset}/points"""

from __future__ import annotations

from aiohttp import web

from .keys import AUTH, INGESTOR


async def write_points(request: web.Request) -> web.Response:
    account_id = request.match_info["account_id"]
    request.app[AUTH].authorize(request.headers.get("Authorization"), account_id, "w")
    body = await request.read()
    result = await request.app[INGESTOR].write(
        account_id,
        request.match_info["dataset"],
        body,
        request.content_type,
        request.headers.get("Idempotency-Key"),
    )
    return web.json_response(result)
