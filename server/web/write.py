"""POST /v1/accounts/{account_id}/datasets/{dataset}/points[?sampling=off]"""

from __future__ import annotations

from aiohttp import web

from ..config import env_name
from ..errors import BadRequest, Forbidden
from .bodies import read_body
from .keys import AUTH, INGESTOR, SETTINGS

#: `?sampling=off` marks an import or backfill: every point is stored, whatever the arrival rate.
SAMPLING_PARAM = "sampling"


def _sampled(request: web.Request) -> bool:
    value = request.query.get(SAMPLING_PARAM, "on")
    if value not in ("on", "off"):
        raise BadRequest(f"{SAMPLING_PARAM} must be on or off, not {value[:20]!r}")
    if value == "off" and request.app[SETTINGS].unsampled_writes == "refused":
        setting = env_name("unsampled_writes")
        raise Forbidden(f"{SAMPLING_PARAM}=off is refused on this server ({setting}=refused)")
    return value == "on"


async def write_points(request: web.Request) -> web.Response:
    account_id = request.match_info["account_id"]
    dataset = request.match_info["dataset"]
    request.app[AUTH].authorize(request.headers.get("Authorization"), account_id, "w")
    sampled = _sampled(request)
    # Before the body: refusing costs nothing.
    request.app[INGESTOR].admit(account_id, dataset, request.content_length or 0)
    body = await read_body(request)
    result = await request.app[INGESTOR].write(
        account_id,
        dataset,
        body,
        request.content_type,
        request.headers.get("Idempotency-Key"),
        sampled=sampled,
    )
    return web.json_response(result)
