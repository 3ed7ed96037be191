"""Grafana's side of a query, emulated from each plugin's source: variable interpolation and
formats, the time window, simPod's DataQueryRequest, Infinity's macros, URL joining and backend
parser, and the SQL the Altinity plugin sends (server.grafana.macros follows Altinity's rules)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

from server.grafana.macros import MacroContext, expand


def escape_regex(value: str) -> str:
    """Grafana's escapeRegex, used by its `regex` variable format."""
    return re.sub(r"[\\^$*+?.()|\[\]{}/]", lambda m: "\\" + m.group(0), value)


def sqlstring(value: str) -> str:
    """Grafana's sqlstring format: single quotes doubled, double quotes backslash-escaped;
    a backslash stays as it is (so ClickHouse reads it as an escape)."""
    return "'" + value.replace("'", "''").replace('"', '\\"') + "'"


FORMATS: dict[str, Callable[[str], str]] = {
    "raw": lambda v: v,
    "regex": escape_regex,
    # Grafana 12's json format (scenes' formatRegistry): a string value stays as it is.
    "json": lambda v: v,
    # Grafana's encodeURIComponentStrict: everything but letters, digits and - _ . ~
    "percentencode": lambda v: quote(v, safe="-_.~"),
    "sqlstring": sqlstring,
}
# Grafana's templateSrv pattern: $var, [[var]], ${var}, ${var:format}.
TEMPLATE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}")


class Window:
    """The dashboard's time range as Grafana resolves it at request time."""

    STEPS_S = (1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)

    def __init__(self, raw_from: str, max_data_points: int, to_ms: int | None = None) -> None:
        match = re.fullmatch(r"now-(\d+)([mhd])", raw_from)
        assert match, f"time.from {raw_from!r}: use now-<n>m|h|d"
        span_ms = int(match.group(1)) * {"m": 60, "h": 3600, "d": 86400}[match.group(2)] * 1000
        self.raw_from = raw_from
        self.to_ms = int(time.time() * 1000) if to_ms is None else to_ms
        self.from_ms = self.to_ms - span_ms
        self.max_data_points = max_data_points
        wanted_s = span_ms / 1000 / max_data_points  # Grafana: range / width, then rounded
        self.interval_s = next((s for s in self.STEPS_S if s >= wanted_s), 86400)

    @property
    def interval(self) -> str:
        s = self.interval_s
        return f"{s // 3600}h" if s % 3600 == 0 else f"{s // 60}m" if s % 60 == 0 else f"{s}s"

    def builtins(self) -> dict[str, str]:
        """Grafana's global variables: a query that names one gets it replaced by Grafana."""
        span_s = (self.to_ms - self.from_ms) // 1000
        return {
            "__interval": self.interval,
            "__interval_ms": str(self.interval_s * 1000),
            "__from": str(self.from_ms),
            "__to": str(self.to_ms),
            "__range": f"{span_s}s",
            "__range_s": str(span_s),
            "__range_ms": str(span_s * 1000),
            "__rate_interval": f"{max(4 * 10, self.interval_s)}s",
            "__timezone": "utc",
        }


def interpolate(
    text: str, variables: dict[str, str], fmt: str, finish: Callable[[str], str] | None = None
) -> str:
    """templateSrv.replace: known variables are formatted (an explicit `${var:format}` wins over
    `fmt`), unknown `$names` stay as they are; `finish` post-processes each replacement."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        if name not in variables:
            return match.group(0)
        explicit = match.group(3) or match.group(6)
        assert explicit is None or explicit in FORMATS, f"emulate the {explicit!r} format"
        rendered = FORMATS[explicit or fmt](variables[name])
        return finish(rendered) if finish else rendered

    return TEMPLATE.sub(replace, text)


def simpod_code_payload(text: str, variables: dict[str, str]) -> dict[str, Any]:
    """simPod 0.6.x processPayload in code mode: each variable is rendered with the json format
    and, if the result is wrapped in double quotes, JSON-parsed (cleanMatch); then the whole text
    is JSON-parsed, and a failure silently becomes `{}`."""

    def clean_match(rendered: str) -> str:
        if rendered[:1] == '"' and rendered[-1:] == '"':
            return str(json.loads(rendered))
        return rendered

    try:
        payload = json.loads(interpolate(text, variables, "json", clean_match))
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def simpod_target(target: dict[str, Any], variables: dict[str, str]) -> dict[str, Any]:
    """A target as the simPod plugin (0.6.x) sends it: `target` with the regex format; a code
    payload (JSON text) as `simpod_code_payload` makes it; builder values with regex."""
    sent = dict(target)
    sent["target"] = interpolate(target.get("target", ""), variables, "regex")
    payload = target.get("payload") or {}
    if isinstance(payload, str):
        assert target.get("editorMode") == "code", "a payload in text is a code-mode payload"
        sent["payload"] = simpod_code_payload(payload, variables)
    else:
        sent["payload"] = {
            key: [interpolate(str(v), variables, "regex") for v in value]
            if isinstance(value, list)
            else interpolate(str(value), variables, "regex")
            for key, value in payload.items()
        }
    return sent


def simpod_request(
    board: dict[str, Any],
    panel: dict[str, Any],
    variables: dict[str, str],
    window: Window,
    filters: list[dict[str, str]],
) -> dict[str, Any]:
    """The DataQueryRequest Grafana 12 posts to /query for this panel."""
    scoped = {name: {"text": v, "value": v, "selected": False} for name, v in variables.items()}
    return {
        "app": "dashboard",
        "requestId": f"SQR{panel['id']}",
        "timezone": board.get("timezone", "browser"),
        "panelId": panel["id"],
        "dashboardUID": board["uid"],
        "range": {
            "from": iso(window.from_ms),
            "to": iso(window.to_ms),
            "raw": {"from": window.raw_from, "to": "now"},
        },
        "rangeRaw": {"from": window.raw_from, "to": "now"},
        "interval": window.interval,
        "intervalMs": window.interval_s * 1000,
        "maxDataPoints": window.max_data_points,
        "targets": [
            simpod_target(t, variables | window.builtins())
            for t in panel["targets"]
            if not t.get("hide")
        ],
        "scopedVars": {
            **scoped,
            "__interval": {"text": window.interval, "value": window.interval},
            "__interval_ms": {"text": str(window.interval_s * 1000), "value": window.interval_s},
            "__sceneObject": {"text": "__sceneObject"},
        },
        "filters": filters,
        "startTime": window.to_ms,
    }


def infinity_macros(text: str, window: Window) -> str:
    """Infinity's backend macros (pkg/models/macros.go): what alert rules rely on."""

    def custom_interval(match: re.Match[str]) -> str:
        args = match.group(1).split(",")
        span_ms = window.to_ms - window.from_ms
        for duration, value in zip(args[:-1:2], args[1::2], strict=False):
            number, unit = duration.strip()[:-1], duration.strip()[-1]
            seconds = int(number) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
            if span_ms <= seconds * 1000:
                return value
        return args[-1]

    def time_macro(match: re.Match[str]) -> str:
        ms = window.from_ms if match.group(1) == "__timeFrom" else window.to_ms
        fmt = match.group(2)
        if fmt is None:
            return str(ms)
        if fmt == "seconds":
            return str(ms // 1000)
        assert re.fullmatch(r"(?:YYYY|MM|DD|HH|mm|ss|[-:/T ])+", fmt), f"emulate {fmt!r}"
        when = datetime.fromtimestamp(ms / 1000, UTC)  # Grafana's server runs in UTC
        return re.sub(r"YYYY|MM|DD|HH|mm|ss", lambda m: when.strftime(MOMENT[m.group()]), fmt)

    text = re.sub(r"\$__customInterval\((.*?)\)", custom_interval, text)
    return re.sub(r"\$\{(__timeFrom|__timeTo)(?::date:([^}]+))?\}", time_macro, text)


# Moment.js tokens (what `${__timeTo:date:<format>}` takes) as strftime directives.
MOMENT = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def infinity_url(base: str, url: str, params: list[dict[str, str]] | None = None) -> str:
    """The URL Infinity's backend requests (pkg/infinity/request.go, GetQueryURL), also for the
    custom health check: a URL that does not start with the datasource URL gets it prefixed
    (string concatenation, no slash added); the query string is parsed, the target's params
    added, and re-encoded as Go's url.Values.Encode does (keys sorted, QueryEscape: a space
    becomes `+`); then a URL without a scheme gets https:// (FixMissingURLSchema)."""
    joined = url if url.startswith(base) else base + url
    parts = urlsplit(joined)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += [(p["key"], p["value"]) for p in params or []]
    pairs.sort(key=lambda pair: pair[0])  # stable: values of one key keep their order
    query = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
    result = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    return result if re.match(r"(?i)https?://", result) else "https://" + result


def infinity_allows(url: str, allowed_hosts: list[str]) -> bool:
    """Infinity's CanAllowURL: some allowed entry is a string prefix of the URL and names its
    host (an empty list allows everything)."""
    host = urlsplit(url).hostname
    return not allowed_hosts or any(
        url.startswith(allowed) and urlsplit(allowed).hostname == host for allowed in allowed_hosts
    )


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def infinity_backend_frame(target: dict[str, Any], body: Any) -> dict[str, Any]:
    """What Infinity's backend parser (jsonframer, gframer) makes of a JSON answer: the
    root_selector as a gjson path (empty: the whole document), one row per array item or one
    for an object, each declared column by its selector; `number` columns take JSON numbers
    and numeric strings (Go's ParseFloat, so the billing API's decimal strings), else null."""
    root = target["root_selector"]
    assert re.fullmatch(r"(?:\w+(?:\.\w+)*)?", root), f"emulate root_selector {root!r}"
    rows = body
    for key in filter(None, root.split(".")):
        rows = rows[key]
    rows = [rows] if isinstance(rows, dict) else rows
    assert isinstance(rows, list), f"root_selector {root!r} is not an object or array"

    def number(value: object) -> float | None:
        if is_number(value):
            return float(value)  # type: ignore[arg-type]
        try:
            return float(value) if isinstance(value, str) else None
        except ValueError:
            return None

    def string(value: object) -> str | None:
        return None if value is None or isinstance(value, dict | list) else str(value)

    convert = {"number": number, "string": string}
    fields = []
    for column in target["columns"]:
        kind = column["type"]
        assert kind in convert, f"emulate column type {kind!r}"
        values = [convert[kind](row.get(column["selector"])) for row in rows]
        fields.append(
            {"name": column["text"] or column["selector"], "type": kind, "values": values}
        )
    return {"name": target["refId"], "fields": fields}


def altinity_sql(
    board: dict[str, Any], target: dict[str, Any], variables: dict[str, str], window: Window
) -> str:
    """What the Altinity plugin sends: variables, then its macros on Column:DateTime, then
    `FORMAT JSON` appended (add_metadata prepends a comment naming the dashboard)."""
    assert target.get("dateTimeColDataType") == "timestamp", "Column:DateTime must be timestamp"
    assert target.get("dateTimeType", "DATETIME") == "DATETIME"
    text = interpolate(target["query"], variables | window.builtins(), "raw")
    interval_s = max(1, window.interval_s * int(target.get("intervalFactor") or 1))
    text = expand(text, MacroContext(window.from_ms, window.to_ms, interval_s))
    if target.get("add_metadata"):
        text = f"/* grafana dashboard={board['title']}, user=admin */\n{text}"
    return text + " FORMAT JSON"
