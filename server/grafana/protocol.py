"""The simPod JSON datasource's request bodies, parsed into value objects.

Grafana sends `range.from`/`range.to` as ISO-8601 UTC strings, `intervalMs`, `maxDataPoints`,
`targets[]` with an object `payload`, and ad hoc filters as `filters` (simPod's openapi.yaml).
Anything of the wrong shape is a BadRequest naming the field.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import orjson

from ..errors import BadRequest

Json = dict[str, object]

#: Without a range (variables, tag values), the last day; without maxDataPoints, this many.
DEFAULT_RANGE_MS: Final = 86_400_000
DEFAULT_MAX_DATA_POINTS: Final = 1000
MAX_DATA_POINTS: Final = 20_000
MAX_TARGETS: Final = 26
MAX_FILTERS: Final = 64
#: Instants outside [1970, 10000) cannot be ClickHouse DateTimes.
MAX_INSTANT_MS: Final = 253_402_300_799_999


@dataclass(frozen=True, slots=True)
class Window:
    """The dashboard's time range (epoch ms) and the bucket width in whole seconds."""

    from_ms: int
    to_ms: int
    bucket_s: int


@dataclass(frozen=True, slots=True)
class Filter:
    """One ad hoc filter; `values` is set for the multi-value operators (`=|`, `!=|`)."""

    key: str
    operator: str
    value: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    ref_id: str
    target: str
    payload: Json
    #: The query editor's mode as the plugin sends it ("code", "builder", or "" when absent).
    editor_mode: str = ""


@dataclass(frozen=True, slots=True)
class QueryRequest:
    window: Window
    targets: tuple[Target, ...]
    filters: tuple[Filter, ...]


def load(body: bytes) -> Json:
    """The request body as a JSON object; an empty body is `{}`."""
    if not body.strip():
        return {}
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"request body is not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    return value


def field(body: Json, name: str, kind: type | tuple[type, ...], default: object = None) -> object:
    """`body[name]` checked against `kind`, or `default` when absent or null."""
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise BadRequest(f"{name!r} must be a {_KIND_NAMES.get(kind, 'value of another type')}")
    return value


_KIND_NAMES: Final[dict[type | tuple[type, ...], str]] = {
    dict: "JSON object",
    list: "JSON array",
    str: "string",
    (int, float): "number",
}


def text(value: object, name: str) -> str:
    """A payload or filter value as text: Grafana `.toString()`s builder values."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise BadRequest(f"{name!r} must be a string")


def instant_ms(value: object, name: str) -> int:
    """An ISO-8601 instant (`2024-06-01T06:33:44.866Z`) or epoch ms, as epoch ms."""
    ms = _instant_ms(value, name)
    if not 0 <= ms <= MAX_INSTANT_MS:
        raise BadRequest(f"{name} is outside the years 1970-9999")
    return ms


def _instant_ms(value: object, name: str) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                raise BadRequest(f"{name} must carry a time zone (Grafana sends UTC with Z)")
            return int(parsed.timestamp() * 1000)
    raise BadRequest(f"{name} must be an ISO-8601 time or epoch milliseconds")


def window(body: Json, *, required: bool) -> Window:
    """The window of a request: `range` (or `timeRange`, as getTagValues sends it), bucketed by
    max(intervalMs, range / maxDataPoints) rounded up to whole seconds."""
    raw = body.get("range", body.get("timeRange"))
    if raw is None and not required:
        now = int(time.time() * 1000)
        raw = {"from": now - DEFAULT_RANGE_MS, "to": now}
    if not isinstance(raw, dict):
        raise BadRequest("'range' must be an object with 'from' and 'to'")
    start = instant_ms(raw.get("from"), "range.from")
    end = instant_ms(raw.get("to"), "range.to")
    if end < start:
        raise BadRequest("range.to is before range.from")
    interval = field(body, "intervalMs", (int, float), 0)
    points = field(body, "maxDataPoints", (int, float), DEFAULT_MAX_DATA_POINTS)
    assert isinstance(interval, int | float) and isinstance(points, int | float)
    points = min(max(points, 1), MAX_DATA_POINTS)
    width_ms = max(float(interval), (end - start) / points)
    return Window(start, end, max(1, math.ceil(width_ms / 1000)))


def filters(body: Json) -> tuple[Filter, ...]:
    """Grafana's `filters` (plugin >= 0.6.4), or the older `adhocFilters` spelling."""
    raw = field(body, "filters", list, None)
    if raw is None:
        raw = field(body, "adhocFilters", list, [])
    assert isinstance(raw, list)
    if len(raw) > MAX_FILTERS:
        raise BadRequest(f"at most {MAX_FILTERS} ad hoc filters")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise BadRequest("each filter must be an object with key, operator and value")
        values = field(item, "values", list, [])
        assert isinstance(values, list)
        out.append(
            Filter(
                key=text(item.get("key"), "filters[].key"),
                operator=text(item.get("operator", "="), "filters[].operator"),
                value=text(item.get("value", ""), "filters[].value"),
                values=tuple(text(v, "filters[].values") for v in values),
            )
        )
    return tuple(out)


def payload(value: object) -> Json:
    """A target's payload: an object (a JSON string is parsed, as the plugin itself does)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise BadRequest("'payload' is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadRequest("'payload' must be a JSON object")
    return value


def query_request(body: Json) -> QueryRequest:
    """`POST /query`: hidden targets and targets without a metric are dropped, as the plugin
    drops them before sending."""
    raw = field(body, "targets", list, [])
    assert isinstance(raw, list)
    targets = []
    for item in raw:
        if not isinstance(item, dict):
            raise BadRequest("each target must be an object")
        if item.get("hide") is True:
            continue
        body_payload = payload(item.get("payload"))
        name = field(item, "target", str, "")
        if not name and not body_payload:
            continue
        ref_id = field(item, "refId", str, "A")
        mode = field(item, "editorMode", str, "")
        assert isinstance(name, str) and isinstance(ref_id, str) and isinstance(mode, str)
        targets.append(Target(ref_id, name, body_payload, mode))
    if len(targets) > MAX_TARGETS:
        raise BadRequest(f"at most {MAX_TARGETS} targets per request")
    return QueryRequest(window(body, required=True), tuple(targets), filters(body))
