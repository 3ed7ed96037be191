"""Read-time resolution (WAE's ABR): each query reads the finest copy of the points whose
estimated rows fit one read budget, so any question over any amount of data answers in about
the same time, with error bars that say what it cost.

The estimate is ClickHouse's own (`EXPLAIN ESTIMATE`: the primary index's rows in the granules
the query would read), taken once, on the full resolution; a copy that keeps one row in `f`
reads about a f-th of that. A query that names no dataset (the catalog) reads the same rows at
every resolution and always runs at full resolution.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from server.errors import BadRequest
from server.storage import QuerySettings, Storage
from server.storage.schema import COPIES, FULL, RESOLUTIONS, Resolution

from .translation import Translation

#: What a request may ask for (query parameter `resolution`, or the request header of the
#: same name as the answer's): the adaptive choice (None), or one resolution.
ADAPTIVE: Final = "adaptive"
DEMANDS: Final[dict[str, Resolution | None]] = {
    ADAPTIVE: None,
    "full": FULL,
    **{r.label: r for r in RESOLUTIONS},
}
#: EXPLAIN ESTIMATE's columns: database, table, parts, rows, marks.
_ROWS_COLUMN: Final = 3

#: Translates the request's SQL to read from one table (the points or a copy).
Translator = Callable[[str], Awaitable[Translation]]


@dataclass(frozen=True, slots=True)
class Choice:
    """The translation to run, the resolution it reads, and the rows it was expected to read
    (None when the request named its resolution and nothing was estimated)."""

    translation: Translation
    resolution: Resolution
    estimated_rows: int | None


def demanded(value: str | None) -> Resolution | None:
    """The resolution a request names (`full`, `100%`, `10%`, `1%`), None for `adaptive` or
    no value; anything else is a 400 listing the choices."""
    if value is None:
        return None
    try:
        return DEMANDS[value.strip().lower()]
    except KeyError:
        choices = ", ".join(DEMANDS)
        raise BadRequest(f"resolution must be one of {choices}, not {value[:20]!r}") from None


async def estimated_rows(storage: Storage, sql: str, settings: QuerySettings) -> int:
    """The rows ClickHouse expects `sql` to read, from its primary index (no data is read)."""
    # The read limit would make the estimate itself fail on a query that exceeds it, and that
    # is exactly the query a coarser copy is for.
    unlimited = {k: v for k, v in settings.items() if k != "max_rows_to_read"}
    body = await storage.query(f"EXPLAIN ESTIMATE {sql}", "TabSeparated", unlimited)
    return sum(int(line.split("\t")[_ROWS_COLUMN]) for line in body.decode().splitlines())


async def choose(
    storage: Storage,
    translate: Translator,
    *,
    budget_rows: int,
    settings: QuerySettings,
    demand: Resolution | None = None,
) -> Choice:
    """The finest resolution whose estimated rows fit `budget_rows` (the coarsest if none
    does), or the one the request demanded."""
    full = await translate(FULL.table)
    if demand is not None:
        return Choice(full if demand is FULL else await translate(demand.table), demand, None)
    rows = await estimated_rows(storage, full.sql, settings)
    choice = Choice(full, FULL, rows)
    for copy in COPIES:
        if choice.estimated_rows is not None and choice.estimated_rows <= budget_rows:
            break
        coarser = await translate(copy.table)
        if coarser.sql == full.sql:
            break  # the query reads no dataset: a copy would read the same rows
        choice = Choice(coarser, copy, rows // copy.factor)
    return choice
