"""Reading a window of raw rows from a WAE SQL API and turning them into import points.

Only SQL that WAE documents is sent (`SELECT` of the columns, `WHERE timestamp` with
`toDateTime('YYYY-MM-DD hh:mm:ss')`, `ORDER BY`, `LIMIT`, `OFFSET`, `FORMAT JSONEachRow`), so
the same reader works on Cloudflare and on Usagehouse. Rows are ordered by every column, so a
page read twice is the same page and its re-sent body matches its Idempotency-Key.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson

from ..posting import GaveUp, post_with_retries
from ..remote import SQL_TEXT, error_reason, headers, sql_url

BLOBS = [f"blob{i}" for i in range(1, 21)]
DOUBLES = [f"double{i}" for i in range(1, 21)]
COLUMNS = ["timestamp", "_sample_interval", "index1", *BLOBS, *DOUBLES]
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Point = dict[str, Any]


class SourceError(Exception):
    """The source refused a query or could not be reached; the message says which."""


def sql_time(epoch_s: int) -> str:
    return f"toDateTime('{datetime.fromtimestamp(epoch_s, UTC):%Y-%m-%d %H:%M:%S}')"


def _table(dataset: str) -> str:
    # A name with "-" must be double-quoted on WAE.
    return dataset if PLAIN_NAME.fullmatch(dataset) else f'"{dataset}"'


def _where(start: int, end: int) -> str:
    return f"WHERE timestamp >= {sql_time(start)} AND timestamp < {sql_time(end)}"


def count_sql(dataset: str, start: int, end: int) -> str:
    return f"SELECT count() AS n FROM {_table(dataset)} {_where(start, end)} FORMAT JSONEachRow"


def page_sql(dataset: str, start: int, end: int, limit: int, offset: int) -> str:
    columns = ", ".join(COLUMNS)
    return (
        f"SELECT {columns} FROM {_table(dataset)} {_where(start, end)} "
        f"ORDER BY {columns} LIMIT {limit} OFFSET {offset} FORMAT JSONEachRow"
    )


def to_point(row: dict[str, Any]) -> Point:
    """A source row as an import point. Empty trailing slots are left out (they are stored
    as "" and 0 anyway); a NaN or infinite double, which JSON carries as null, becomes 0."""
    point: Point = {"timestamp": row["timestamp"], "_sample_interval": int(row["_sample_interval"])}
    if row["index1"]:
        point["indexes"] = [row["index1"]]
    blobs = [row[c] or "" for c in BLOBS]
    while blobs and not blobs[-1]:
        blobs.pop()
    if blobs:
        point["blobs"] = blobs
    doubles = [float(row[c] or 0) for c in DOUBLES]
    while doubles and not doubles[-1]:
        doubles.pop()
    if doubles:
        point["doubles"] = doubles
    return point


class Source:
    """A dataset behind a WAE SQL API: `{url}/client/v4/accounts/{account}/analytics_engine/sql`."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, account: str, token: str, dataset: str
    ) -> None:
        self._session = session
        self.dataset = dataset
        self.endpoint = sql_url(url, account)
        self._headers = headers(token, SQL_TEXT)

    async def _rows(self, sql: str) -> list[dict[str, Any]]:
        try:
            status, body = await post_with_retries(
                self._session, self.endpoint, sql.encode(), self._headers
            )
        except GaveUp as e:
            raise SourceError(f"the source at {self.endpoint} {e}") from None
        if status != 200:
            raise SourceError(
                f"the source answered {status}: {error_reason(body)[:300]} ({self.endpoint})"
            )
        return [orjson.loads(line) for line in body.splitlines() if line.strip()]

    async def count(self, start: int, end: int) -> int:
        rows = await self._rows(count_sql(self.dataset, start, end))
        return int(rows[0]["n"]) if rows else 0

    async def page(self, start: int, end: int, limit: int, offset: int) -> list[Point]:
        rows = await self._rows(page_sql(self.dataset, start, end, limit, offset))
        return [to_point(row) for row in rows]
