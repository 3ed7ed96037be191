"""The Cloudflare-compatible SQL API: POST (body = SQL) or GET ?query= on
/client/v4/accounts/{account_id}/analytics_engine/sql.

The dialect is the server's (USAGEHOUSE_SQL_DIALECT) unless the request names one with
`?dialect=` or the `Usagehouse-Dialect` header; in `extended`, an answer to a query WAE would
reject carries `Usagehouse-Warning: not portable to WAE: ...`.
"""

from __future__ import annotations

from aiohttp import ChainMapProxy, web

from ..errors import BadRequest
from ..sql import resolution
from ..sql.dialect import Dialect, parse_dialect, warning
from ..sql.run import QueryResult, run_query
from ..storage.schema import Resolution
from .bodies import read_body
from .keys import AUTH, METRICS, QUERY_GATE, SETTINGS, STORAGE

MAX_SQL_BYTES = 1_048_576
#: Answers larger than this are sent a piece at a time: handed over whole, asyncio's transport
#: copies what the socket does not take at once (most of it) twice more. 64 KiB rather than
#: 1 MiB: a 610 KB answer (recipe query 1 at 1M points) came 0.5-0.9 ms sooner, a 16 MB one
#: as soon (benchmarks/query.py, A/B on one machine).
SEND_PIECE_BYTES = 1 << 16
DIALECT_PARAM = "dialect"
DIALECT_HEADER = "Usagehouse-Dialect"
WARNING_HEADER = "Usagehouse-Warning"


async def _sql_text(request: web.Request) -> str:
    body = await read_body(request)
    if len(body) > MAX_SQL_BYTES:
        raise BadRequest(f"SQL text is larger than {MAX_SQL_BYTES} bytes")
    try:
        text = body.decode("utf-8", errors="strict") if body.strip() else ""
    except UnicodeDecodeError:
        raise BadRequest("SQL text must be UTF-8") from None
    if not text:
        # ClickHouse-style clients (and Cloudflare's legacy docs) pass the SQL as ?query=.
        text = request.query.get("query", "")
    if not text.strip():
        raise BadRequest("no SQL: send it as the request body or as ?query=")
    return text


def _flag(request: web.Request, name: str, *, default: bool) -> bool:
    """A ClickHouse-style boolean query parameter: 1/0 or true/false."""
    value = request.query.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true"):
        return True
    if value.lower() in ("0", "false"):
        return False
    raise BadRequest(f"{name} must be 0, 1, true or false, not {value[:20]!r}")


def request_dialect(request: web.Request) -> Dialect:
    """The dialect a request asks for (`?dialect=` before the header), else the server's."""
    if (value := request.query.get(DIALECT_PARAM)) is not None:
        return parse_dialect(value, f"?{DIALECT_PARAM}")
    if (value := request.headers.get(DIALECT_HEADER)) is not None:
        return parse_dialect(value, f"the {DIALECT_HEADER} header")
    return Dialect(request.config_dict[SETTINGS].sql_dialect)


def demanded_resolution(request: web.Request) -> Resolution | None:
    """The resolution the request names (query parameter first, then header), if any."""
    value = request.query.get(resolution.PARAM, request.headers.get(resolution.HEADER))
    return resolution.demanded(value)


def warning_headers(nonportable: tuple[str, ...]) -> dict[str, str]:
    """The portability warning, when a query uses what WAE rejects."""
    return {WARNING_HEADER: warning(nonportable)} if nonportable else {}


async def run_account_query(
    config: ChainMapProxy,
    text: str,
    account_id: str,
    *,
    quote_64bit_integers: bool,
    dialect: Dialect = Dialect.EXTENDED,
    demand: Resolution | None = None,
) -> QueryResult:
    """Every user statement the web layer runs: timed, and only with a turn from the account's
    query gate (429 when its line is full)."""
    with config[METRICS].timed_sql():
        async with config[QUERY_GATE].admit(account_id):
            result = await run_query(
                config[STORAGE],
                config[SETTINGS],
                text,
                account_id=account_id,
                quote_64bit_integers=quote_64bit_integers,
                dialect=dialect,
                demand=demand,
            )
    config[METRICS].sql_queries_by_resolution_total.labels(result.resolution.label).inc()
    return result


async def sql(request: web.Request) -> web.StreamResponse:
    account_id = request.match_info["account_id"]
    request.config_dict[AUTH].authorize(request.headers.get("Authorization"), account_id, "r")
    dialect = request_dialect(request)
    text = await _sql_text(request)
    quote = _flag(request, "output_format_json_quote_64bit_integers", default=True)
    demand = demanded_resolution(request)
    result = await run_account_query(
        request.config_dict,
        text,
        account_id,
        quote_64bit_integers=quote,
        dialect=dialect,
        demand=demand,
    )
    headers = {
        "Content-Type": result.content_type,
        resolution.HEADER: result.resolution.label,
        **warning_headers(result.nonportable),
    }
    if len(result.body) <= SEND_PIECE_BYTES:
        return web.Response(body=result.body, headers=headers)
    return await _send_in_pieces(request, result.body, headers)


async def _send_in_pieces(
    request: web.Request, body: bytes, headers: dict[str, str]
) -> web.StreamResponse:
    """A large answer, written a piece at a time as the client takes it (no copy of the whole:
    a 9 MB answer cost ~30 ms more handed over at once, benchmarks/query.py query 2)."""
    response = web.StreamResponse(headers=headers)
    response.content_length = len(body)
    await response.prepare(request)
    view = memoryview(body)
    for start in range(0, len(body), SEND_PIECE_BYTES):
        await response.write(view[start : start + SEND_PIECE_BYTES])
    await response.write_eof()
    return response
