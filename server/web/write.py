"""POST /v1/accounts/{account_id}/datasets/{dataset}/points"""

from __future__ import annotations

from aiohttp import web

from .bodies import read_body
from .keys import AUTH, INGESTOR


async def write_points(request: web.Request) -> web.Response:
    account_id = request.match_info["account_id"]
    dataset = request.match_info["dataset"]
    request.app[AUTH].authorize(request.headers.get("Authorization"), account_id, "w")
    # Before the body: refusing costs nothing.
    request.app[INGESTOR].admit(account_id, dataset, request.content_length or 0)
    body = await read_body(request)
    result = await request.app[INGESTOR].write(
        account_id,
        dataset,
        body,
        request.content_type,
        request.headers.get("Idempotency-Key"),
    )
    return web.json_response(result)
