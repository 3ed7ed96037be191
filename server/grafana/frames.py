"""Query results (ClickHouse `FORMAT JSON`: `meta` + `data`) to Grafana DataFrames.

A result with a time column and numbers becomes one wide time-series frame: long -> wide by its
string columns, one number field per series with `labels` and a display name. Otherwise it is a
table frame. Annotations get `time`/`timeEnd`/`title`/`text`/`tags` fields, variables
`__text`/`__value` options. Times are epoch ms, ascending.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import orjson

from ..errors import SqlError
from ..storage.schema import FULL, Resolution

Frame = dict[str, object]

_WRAPPER = re.compile(r"^(?:Nullable|LowCardinality)\((.*)\)$")
#: ClickHouse type prefix -> Grafana field type (first match wins).
KINDS: Final[tuple[tuple[str, str], ...]] = (
    ("DateTime", "time"),
    ("Date", "time"),
    ("UInt", "number"),
    ("Int", "number"),
    ("Float", "number"),
    ("Decimal", "number"),
    ("Bool", "boolean"),
    ("String", "string"),
    ("FixedString", "string"),
    ("UUID", "string"),
    ("Enum", "string"),
)
#: Numeric columns with these names are times (Altinity's `$timeSeries AS t` gives epoch ms).
TIME_NAMES: Final = frozenset({"t", "time", "timestamp"})
#: Below this an epoch number is taken as seconds (1e11 s is the year 5138, 1e11 ms is 1973).
SECONDS_BELOW: Final = 100_000_000_000


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str

    @property
    def kind(self) -> str:
        base = self.type
        while (match := _WRAPPER.match(base)) is not None:
            base = match.group(1)
        return next((kind for prefix, kind in KINDS if base.startswith(prefix)), "other")


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[dict[str, object], ...]
    #: The copy of the points the rows were read from (sql/resolution.py).
    resolution: Resolution = FULL

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def table_of(body: bytes, resolution: Resolution = FULL) -> Table:
    """Parse a `FORMAT JSON` answer read at `resolution`; other formats cannot be drawn."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("meta"), list):
        raise SqlError("Grafana queries must return FORMAT JSON (the default): drop the FORMAT")
    columns = tuple(Column(str(m["name"]), str(m["type"])) for m in doc["meta"])
    return Table(columns, tuple(doc.get("data") or ()), resolution)


def with_notice(frame: Frame, table: Table) -> Frame:
    """The frame, with a notice (Grafana shows it on the panel) when its numbers come from a
    coarser copy of the points: they are estimates."""
    if table.resolution.factor == 1:
        return frame
    label, factor = table.resolution.label, table.resolution.factor
    text = (
        f"Estimate: read from the {label} resolution (each row stands for {factor}) to stay "
        "within the read budget; a data source header Usagehouse-Resolution: full reads every row"
    )
    return {**frame, "meta": {"notices": [{"severity": "info", "text": text}]}}


def epoch_ms(value: object) -> int | None:
    """A DateTime string (UTC, the session zone) or an epoch number as epoch ms."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value * 1000) if abs(value) < SECONDS_BELOW else int(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return int(parsed.replace(tzinfo=parsed.tzinfo or UTC).timestamp() * 1000)
    return None


def time_column(table: Table) -> Column | None:
    """The first DateTime/Date column, else a number column named t, time or timestamp."""
    for column in table.columns:
        if column.kind == "time":
            return column
    for column in table.columns:
        if column.kind == "number" and column.name.lower() in TIME_NAMES:
            return column
    return None


def series_frame(
    table: Table,
    ref_id: str,
    *,
    time: str,
    labels: Mapping[str, str],
    values: Mapping[str, str],
    null_label: str = "",
    buckets: Sequence[int] | None = None,
    fill: float | None = None,
) -> Frame:
    """Long -> wide: one number field per (label values, value column), on one time field.

    `labels` and `values` map result columns to label keys and field names. With `buckets`, the
    time field holds exactly those times; `fill` replaces missing points.
    """
    # Series are keyed by label text, with None kept apart: a real group named like the
    # null label ("other" in top-N mode) must not merge into the null group's series.
    points: dict[tuple[tuple[bool, str], ...], dict[int, object]] = {}
    for row in table.rows:
        at = epoch_ms(row.get(time))
        if at is None:
            continue
        key = tuple(_series_key(row.get(name)) for name in labels)
        for name in values:
            points.setdefault((*key, (False, name)), {})[at] = row.get(name)
    times = (
        list(buckets) if buckets is not None else sorted({t for p in points.values() for t in p})
    )
    fields: list[dict[str, object]] = [{"name": "time", "type": "time", "values": times}]
    for series in sorted(points):
        *label_keys, (_, column) = series
        label_values = [null_label if is_null else text for is_null, text in label_keys]
        name = values[column]
        display = ", ".join(label_values) if labels else name
        if labels and len(values) > 1:
            display = f"{display} {name}"
        got = points[series]
        fields.append(
            {
                "name": name,
                "type": "number",
                "values": [got.get(t, fill) for t in times],
                "labels": dict(zip(labels.values(), label_values, strict=True)),
                "config": {"displayNameFromDS": display},
            }
        )
    return {"refId": ref_id, "fields": fields}


def table_frame(table: Table, ref_id: str) -> Frame:
    """One field per column, in query order; time columns as epoch ms."""
    fields = []
    for column in table.columns:
        values = [row.get(column.name) for row in table.rows]
        if column.kind == "time":
            values = [epoch_ms(v) for v in values]
        fields.append({"name": column.name, "type": column.kind, "values": values})
    return {"refId": ref_id, "fields": fields}


def auto_frame(table: Table, ref_id: str, *, as_table: bool = False) -> Frame:
    """A time series when there is a time column and a number column, else a table."""
    time = time_column(table)
    numbers = [c.name for c in table.columns if c is not time and c.kind == "number"]
    if as_table or time is None or not numbers:
        return table_frame(table, ref_id)
    labels = {c.name: c.name for c in table.columns if c is not time and c.kind == "string"}
    values = {name: name for name in numbers}
    return series_frame(table, ref_id, time=time.name, labels=labels, values=values)


def annotation_frame(table: Table, ref_id: str) -> Frame:
    """Annotations: `time` (required), `timeEnd` and `title` when such columns exist, `text`
    (column `text`, else the first other string column) and `tags` (column `tags` as an array
    or comma-separated string, else the remaining string columns' values)."""
    time = time_column(table)
    if time is None:
        raise SqlError("annotation queries need a time column (DateTime, or epoch ms named t)")
    names = {c.name.lower(): c.name for c in table.columns}
    end = next((names[n] for n in ("timeend", "time_end", "end") if n in names), None)
    title = names.get("title")
    used = {time.name, end, title, names.get("tags")}
    strings = [c.name for c in table.columns if c.kind == "string" and c.name not in used]
    text = names.get("text") or (strings[0] if strings else None)
    extra = [name for name in strings if name != text]
    fields: list[dict[str, object]] = [
        {"name": "time", "type": "time", "values": [epoch_ms(r.get(time.name)) for r in table.rows]}
    ]
    if end is not None:
        ends = [epoch_ms(r.get(end)) for r in table.rows]
        fields.append({"name": "timeEnd", "type": "time", "values": ends})
    if title is not None:
        titles = [as_text(r.get(title)) for r in table.rows]
        fields.append({"name": "title", "type": "string", "values": titles})
    texts = [as_text(r.get(text)) if text else "" for r in table.rows]
    fields.append({"name": "text", "type": "string", "values": texts})
    tags = [_tags(r, names.get("tags"), extra) for r in table.rows]
    fields.append({"name": "tags", "type": "other", "values": tags})
    return {"refId": ref_id, "fields": fields}


def variable_options(table: Table) -> list[dict[str, str]]:
    """`__text`/`__value` columns when both exist, else the first column as both; de-duplicated
    by text, in query order (the plugin de-duplicates the same way)."""
    if not table.columns:
        return []
    text_col, value_col = "__text", "__value"
    if table.column(text_col) is None or table.column(value_col) is None:
        text_col = value_col = table.columns[0].name
    seen: set[str] = set()
    options = []
    for row in table.rows:
        text, value = row.get(text_col), row.get(value_col)
        if text is None or value is None or as_text(text) in seen:
            continue
        seen.add(as_text(text))
        options.append({"__text": as_text(text), "__value": as_text(value)})
    return options


def _series_key(value: object) -> tuple[bool, str]:
    """Sorts real values first, by text, and the null group last."""
    return (value is None, as_text(value))


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _tags(row: dict[str, object], tags_column: str | None, extra: list[str]) -> list[str]:
    if tags_column is not None:
        value = row.get(tags_column)
        items = value if isinstance(value, list) else str(value or "").split(",")
        return [t for t in (as_text(i).strip() for i in items) if t]
    return [t for t in (as_text(row.get(name)) for name in extra) if t]
