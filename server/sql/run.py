"""Running one WAE SQL request: translate, execute with the query limits, shape the output as
WAE does. ClickHouse's own serialisation is passed through; only JSON's tail is patched.

The result limits hold for the answer as sent, too: ClickHouse counts a constant column once
per block and never sees the column names JSON repeats on every row, so the serialised body
is measured against USAGEHOUSE_SQL_MAX_RESULT_BYTES before it is returned.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import partial

from ..config import Settings
from ..errors import LimitExceeded, QueryTimeout
from ..storage import QuerySettings, Storage
from ..storage.schema import FULL, Resolution
from . import Translation, query_settings, resolution, translate
from .dialect import Dialect
from .limits import exceeded
from .metadata import wae_meta

CONTENT_TYPES = {
    "JSON": "application/json",
    "JSONEachRow": "application/x-ndjson",
    "TabSeparated": "text/tab-separated-values; charset=utf-8",
}
INLINE_TRANSLATE_CHARS = 2_000
# Top-level keys of ClickHouse's JSON format are indented by one tab; data fields by three.
_ROWS_TAIL = re.compile(rb'\n\t"rows": (\d+)\n}\n?$')


@dataclass(frozen=True, slots=True)
class QueryResult:
    body: bytes
    content_type: str
    nonportable: tuple[str, ...] = ()  # what WAE would reject (see dialect.py)
    #: The copy of the points the answer was read from (sql/resolution.py).
    resolution: Resolution = FULL


def with_rows_before_limit(body: bytes) -> bytes:
    """WAE's JSON always carries `rows_before_limit_at_least`; ClickHouse writes it only for
    queries with LIMIT. Without a LIMIT every row was returned, so it equals `rows`."""
    match = _ROWS_TAIL.search(body, max(0, len(body) - 64))
    if match is None:
        return body
    rows = match.group(1)
    # One copy of a body that may be hundreds of megabytes (`+` makes one per operand: 27.6 vs
    # 0.9 ms on a 9 MB answer).
    tail = b'\n\t"rows": ' + rows + b',\n\n\t"rows_before_limit_at_least": ' + rows + b"\n}\n"
    return b"".join((memoryview(body)[: match.start()], tail))


def user_query_settings(settings: Settings, *, quote_64bit_integers: bool = True) -> QuerySettings:
    """The settings a user query runs with: its limits and niceness (`limits.py`), and the JSON
    WAE sends (64-bit integers quoted unless the request says otherwise, no statistics). The
    read limit is the largest; a read budget (sql/resolution.py) lowers it per attempt."""
    engine_settings = query_settings(
        timeout_s=settings.sql_timeout_s,
        max_rows_to_read=settings.sql_max_rows_to_read,
        max_result_rows=settings.sql_max_result_rows,
        max_result_bytes=settings.sql_max_result_bytes,
        max_memory_bytes=settings.sql_max_memory_bytes,
        nice=settings.sql_query_nice,
    )
    engine_settings["output_format_json_quote_64bit_integers"] = int(quote_64bit_integers)
    engine_settings["output_format_write_statistics"] = 0
    return engine_settings


async def run_query(
    storage: Storage,
    settings: Settings,
    text: str,
    *,
    account_id: str,
    quote_64bit_integers: bool = True,
    dialect: Dialect = Dialect.EXTENDED,
    demand: Resolution | None = None,
) -> QueryResult:
    """Execute one user statement for `account_id` and return the body WAE would send, read
    at the resolution `demand`s, or else at the finest one within the read budget."""

    async def translated(source: str) -> Translation:
        translating = partial(
            translate,
            text,
            account_id=account_id,
            database=storage.database,
            dialect=dialect,
            source=source,
        )
        if len(text) <= INLINE_TRANSLATE_CHARS:
            return translating()
        # sqlglot is pure Python: a long statement can take a second to parse, which must not
        # stall every other request on the event loop.
        return await asyncio.get_running_loop().run_in_executor(None, translating)

    engine_settings = user_query_settings(settings, quote_64bit_integers=quote_64bit_integers)

    async def execute(translation: Translation, max_rows_to_read: int) -> bytes:
        limited = {**engine_settings, "max_rows_to_read": max_rows_to_read}
        return await storage.query(translation.sql, translation.output_format, limited)

    try:
        # The engine enforces max_execution_time; this deadline only guards against a stuck
        # backend, so it is a little longer.
        async with asyncio.timeout(settings.sql_timeout_s + 5):
            got = await resolution.answer(
                translated,
                execute,
                budget_rows=settings.sql_read_budget_rows,
                max_rows=settings.sql_max_rows_to_read,
                demand=demand,
            )
    except TimeoutError:
        raise QueryTimeout(f"query exceeded the {settings.sql_timeout_s:g} s time limit") from None
    except LimitExceeded as e:
        raise exceeded(e.setting, settings) from None
    body, fmt = got.body, got.translation.output_format
    if fmt == "JSON":
        body = wae_meta(with_rows_before_limit(body))
    if len(body) > settings.sql_max_result_bytes:
        raise exceeded("max_result_bytes", settings)
    return QueryResult(body, CONTENT_TYPES[fmt], got.translation.nonportable, got.resolution)
