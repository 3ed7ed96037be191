"""The simPod JSON datasource under /grafana/json: parse, call `JsonDatasource`, respond.

The account is the bearer token's (scope r). In local-dev mode (no USAGEHOUSE_TOKENS) it is the
`X-Usagehouse-Account` header, else the `account` query parameter, else DEFAULT_ACCOUNT. The
SQL a user writes (code mode, variables) follows the dialect as on the SQL API (`?dialect=`,
the `Usagehouse-Dialect` header, else the server's), with the same warning header.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from ..config import DEFAULT_ACCOUNT
from ..grafana.datasource import JsonDatasource
from ..grafana.frames import Table, table_of
from ..grafana.protocol import Json, load
from .bodies import read_body
from .keys import AUTH
from .query import demanded_resolution, request_dialect, run_account_query, warning_headers

ACCOUNT_HEADER = "X-Usagehouse-Account"
ACCOUNT_PARAM = "account"


def _account(request: web.Request) -> str:
    default = request.headers.get(ACCOUNT_HEADER) or request.query.get(ACCOUNT_PARAM)
    return request.config_dict[AUTH].account_of(
        request.headers.get("Authorization"), "r", default or DEFAULT_ACCOUNT
    )


def _datasource(request: web.Request, account_id: str) -> JsonDatasource:
    # A data source configured with the header (or URL parameter) Usagehouse-Resolution: full
    # reads every row, however long that takes within the time limit.
    demand = demanded_resolution(request)

    async def run(text: str) -> Table:
        result = await run_account_query(
            request.config_dict, text, account_id, quote_64bit_integers=False, demand=demand
        )
        return table_of(result.body, result.resolution)

    return JsonDatasource(run, request_dialect(request))


def _json(value: object, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(value), content_type="application/json", headers=headers)


def _endpoint(
    answer: Callable[[JsonDatasource, Json], Awaitable[object]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A handler: authenticate, read the JSON body, answer."""

    async def handler(request: web.Request) -> web.Response:
        account_id = _account(request)
        body = load(await read_body(request))
        datasource = _datasource(request, account_id)
        value = await answer(datasource, body)
        return _json(value, warning_headers(tuple(datasource.nonportable)))

    return handler


async def health(request: web.Request) -> web.Response:
    """`GET /grafana/json` and `GET /grafana/json/`: "Save & test" (checks the token too)."""
    account_id = _account(request)
    await _datasource(request, account_id).datasets()
    return _json({"status": "ok", "message": "usagehouse JSON datasource", "account": account_id})


metrics = _endpoint(JsonDatasource.metrics)
metric_payload_options = _endpoint(JsonDatasource.payload_options)
query = _endpoint(JsonDatasource.query)
variable = _endpoint(JsonDatasource.variable)
tag_keys = _endpoint(JsonDatasource.tag_keys)
tag_values = _endpoint(JsonDatasource.tag_values)
