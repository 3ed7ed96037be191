"""Builder mode: the payload definitions each dataset (metric) offers, and the WAE SQL a
builder payload stands for.

Every measure is sample-weighted (`_sample_interval` is the number of points a stored row stands
for). Names come from fixed tables, values through `sqltext`'s literals; the SQL then goes
through `translate()` like any user query.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from ..errors import BadRequest
from ..storage.schema import BLOB_COLUMNS, DOUBLE_COLUMNS
from . import sqltext
from .protocol import Json, Window, text

#: measure -> (label, aggregate over `{d}` = the chosen double, additive?). Additive measures
#: are 0 in an empty bucket; the others have no value there.
MEASURES: Final[dict[str, tuple[str, str, bool]]] = {
    "events": ("events (sample-weighted count)", "sum(_sample_interval)", True),
    "sum": ("sum", "sum(_sample_interval * {d})", True),
    "avg": ("average", "sum(_sample_interval * {d}) / sum(_sample_interval)", False),
    "p50": ("p50", "quantileExactWeighted(0.5)({d}, _sample_interval)", False),
    "p90": ("p90", "quantileExactWeighted(0.9)({d}, _sample_interval)", False),
    "p99": ("p99", "quantileExactWeighted(0.99)({d}, _sample_interval)", False),
    "min": ("min", "min({d})", False),
    "max": ("max", "max({d})", False),
}
GROUP_BY: Final = ("none", "index1", *BLOB_COLUMNS)
DEFAULT_TOP_N: Final = 10
MAX_TOP_N: Final = 100
#: The series holding every group outside the top N.
OTHER: Final = "other"
#: Values of the "All" option that mean "no filter" (Grafana's `$__all` and custom `.*`).
ALL_VALUES: Final = frozenset({"$__all", ".*", "*", "All"})


def _options(values: tuple[str, ...] | dict[str, str]) -> list[dict[str, str]]:
    pairs = values.items() if isinstance(values, dict) else ((v, v) for v in values)
    return [{"label": label, "value": value} for value, label in pairs]


#: The static select options, by payload name (also answered by /metric-payload-options).
STATIC_OPTIONS: Final[dict[str, list[dict[str, str]]]] = {
    "measure": _options({name: label for name, (label, _, _) in MEASURES.items()}),
    "double": _options(DOUBLE_COLUMNS),
    "groupBy": _options(GROUP_BY),
    "filterBlob": _options(BLOB_COLUMNS),
}
#: Payloads whose options are the data's values: payload name -> the column it lists
#: (`filterValues` lists the column chosen in `filterBlob`).
DYNAMIC_OPTIONS: Final = {"index": "index1", "filterValues": "filterBlob"}


def payload_definitions() -> list[Json]:
    """The payloads every dataset offers in the builder."""
    return [
        {"name": "measure", "label": "Measure", "type": "select", "width": 24,
         "placeholder": "events", "options": STATIC_OPTIONS["measure"]},
        {"name": "double", "label": "Of", "type": "select", "width": 12,
         "placeholder": "double1", "options": STATIC_OPTIONS["double"]},
        {"name": "groupBy", "label": "Group by", "type": "select", "width": 12,
         "placeholder": "none", "options": STATIC_OPTIONS["groupBy"]},
        {"name": "topN", "label": "Top N", "type": "input", "width": 8,
         "placeholder": str(DEFAULT_TOP_N)},
        {"name": "index", "label": "Customers (index1)", "type": "multi-select", "width": 30,
         "placeholder": "all"},
        {"name": "filterBlob", "label": "Filter on", "type": "select", "width": 12,
         "placeholder": "blob1", "options": STATIC_OPTIONS["filterBlob"]},
        {"name": "filterValues", "label": "Filter values", "type": "multi-select", "width": 30,
         "placeholder": "all"},
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class BuilderQuery:
    """A builder target as SQL plus how to draw it."""

    sql: str
    measure: str
    group: str | None
    additive: bool


def _choice(payload: Json, name: str, allowed: Collection[str], default: str) -> str:
    value = text(payload.get(name) or default, name)
    if value not in allowed:
        raise BadRequest(f"payload {name} {value!r} is not one of {', '.join(allowed)}")
    return value


def _regex_unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def filter_values(raw: object, name: str) -> list[str]:
    """A multi-select's values. Grafana interpolates variables with its regex formatter, so a
    multi-value variable arrives as `(a|b)` and values are regex-escaped (`web\\.1`)."""
    items = raw if isinstance(raw, list) else [] if raw in (None, "") else [raw]
    values: list[str] = []
    for item in items:
        value = text(item, name)
        if value in ALL_VALUES:
            return []
        if value.startswith("(") and value.endswith(")") and "|" in value:
            parts = re.split(r"(?<!\\)\|", value[1:-1])
            values.extend(_regex_unescape(p) for p in parts)
        else:
            values.append(_regex_unescape(value) if re.search(r"\\[^\w\s]", value) else value)
    return values


def _top_n(payload: Json) -> int:
    raw = text(payload.get("topN") or str(DEFAULT_TOP_N), "topN").strip()
    if not raw.isdigit() or int(raw) > MAX_TOP_N:
        raise BadRequest(f"payload topN must be a whole number from 0 (no limit) to {MAX_TOP_N}")
    return int(raw)


def build(dataset: str, payload: Json, window: Window, adhoc: str | None) -> BuilderQuery:
    """The SQL for one builder target: a sample-weighted measure per bucket (and group)."""
    table = sqltext.dataset(dataset)
    measure = _choice(payload, "measure", MEASURES, "events")
    _, template, additive = MEASURES[measure]
    double = _choice(payload, "double", DOUBLE_COLUMNS, "double1")
    aggregate = template.format(d=double)
    group = _choice(payload, "groupBy", GROUP_BY, "none")
    b = window.bucket_s
    where = [
        f"timestamp >= toDateTime({window.from_ms // 1000})",
        f"timestamp <= toDateTime({window.to_ms // 1000})",
    ]
    customers = filter_values(payload.get("index"), "index")
    if customers:
        where.append(f"index1 IN ({', '.join(map(sqltext.string_literal, customers))})")
    blob_values = filter_values(payload.get("filterValues"), "filterValues")
    if blob_values:
        blob = _choice(payload, "filterBlob", BLOB_COLUMNS, "blob1")
        where.append(f"{blob} IN ({', '.join(map(sqltext.string_literal, blob_values))})")
    if adhoc:
        where.append(adhoc)
    condition = " AND ".join(where)
    name = measure if measure == "events" else f"{measure}({double})"
    select = [f"intDiv(toUInt32(timestamp), {b}) * {b} AS t"]
    if group != "none":
        top_n = _top_n(payload)
        key = group
        if top_n:
            top = (
                f"SELECT {group} FROM {table} WHERE {condition} GROUP BY {group} "
                f"ORDER BY {aggregate} DESC, {group} LIMIT {top_n}"
            )
            key = f"if({group} IN ({top}), {group}, NULL)"
        select.append(f"{key} AS g")
    select.append(f"{aggregate} AS value")
    group_by = "t, g" if group != "none" else "t"
    sql = (
        f"SELECT {', '.join(select)} FROM {table} WHERE {condition} "
        f"GROUP BY {group_by} ORDER BY {group_by}"
    )
    return BuilderQuery(sql, name, None if group == "none" else group, additive)


def options_sql(dataset: str, payload: Json, name: str) -> str | None:
    """The SQL listing a dynamic payload's options (most events first), None if static."""
    source = DYNAMIC_OPTIONS.get(name)
    if source is None:
        return None
    column = source if source == "index1" else _choice(payload, source, BLOB_COLUMNS, "blob1")
    return (
        f"SELECT {column} AS value, sum(_sample_interval) AS events "
        f"FROM {sqltext.dataset(dataset)} GROUP BY value ORDER BY events DESC, value LIMIT 1000"
    )
