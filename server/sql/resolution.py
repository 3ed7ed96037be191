"""Read-time resolution (WAE's ABR): each query reads the finest copy of the points whose rows
fit one read budget, so any question over any amount of data answers in about the same time,
with error bars that say what that cost.

ClickHouse decides what fits: a query runs with `max_rows_to_read` set to the budget, and
ClickHouse compares that with its primary-index estimate of the rows the query will read before
it reads any (a refused query costs its planning, ~5 ms). A refused query runs again on the
next coarser copy, the coarsest with the real limit. A query that fits costs nothing extra,
where a separate EXPLAIN ESTIMATE cost 5-6 ms on every query (docs/sql.md, "Read-time
resolutions"). A query that reads no dataset (the catalog) reads the same rows at every
resolution, so it runs at full resolution with the real limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from server.errors import BadRequest, LimitExceeded
from server.storage.schema import COPIES, FULL, RESOLUTIONS, Resolution

from .translation import Translation

#: The request may name a resolution in this header or query parameter; the answer says in the
#: header which one it was read from (a label: `100%`, `10%`, `1%`).
HEADER: Final = "Usagehouse-Resolution"
PARAM: Final = "resolution"
#: What a request may ask for: the adaptive choice (None), or one resolution.
ADAPTIVE: Final = "adaptive"
DEMANDS: Final[dict[str, Resolution | None]] = {
    ADAPTIVE: None,
    "full": FULL,
    **{r.label: r for r in RESOLUTIONS},
}
READ_LIMIT: Final = "max_rows_to_read"

#: Translates the request's SQL to read from one table (the points or a copy).
Translator = Callable[[str], Awaitable[Translation]]
#: Runs a translation with `max_rows_to_read` set to the given number of rows.
Executor = Callable[[Translation, int], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a query returned, the translation that returned it and the resolution it read."""

    body: bytes
    translation: Translation
    resolution: Resolution


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


async def answer(
    translate: Translator,
    execute: Executor,
    *,
    budget_rows: int,
    max_rows: int,
    demand: Resolution | None = None,
) -> Answer:
    """Run the query at the finest resolution whose rows fit `budget_rows` (the coarsest
    copy, or the one the request demanded, with the real limit `max_rows`)."""
    full = await translate(FULL.table)
    if demand is not None:
        translation = full if demand is FULL else await translate(demand.table)
        return Answer(await execute(translation, max_rows), translation, demand)
    current, translation = FULL, full
    for coarser in COPIES:
        try:
            body = await execute(translation, min(budget_rows, max_rows))
            return Answer(body, translation, current)
        except LimitExceeded as e:
            if e.setting != READ_LIMIT:
                raise
        next_translation = await translate(coarser.table)
        if next_translation.sql == full.sql:  # reads no dataset: every copy reads the same
            return Answer(await execute(full, max_rows), full, FULL)
        current, translation = coarser, next_translation
    return Answer(await execute(translation, max_rows), translation, current)
