"""The provisioned Grafana setup (grafana/) parses, hangs together, and never ships a broken panel.

Static checks: every provisioning YAML and dashboard JSON parses; every datasource a dashboard
names (panels, targets, variables) is provisioned, with a plugin compose installs. Live checks:
every panel query runs against a real server filled by `usagehouse demo`, sent the way its
plugin sends it (per the plugins' source), and returns data of the shape the panel draws:

- simPod JSON: Grafana's DataQueryRequest to /grafana/json/query, after Grafana's variable
  interpolation (code payloads with the json formatter, builder payloads with regex);
- Infinity: the SQL body after the backend macros, POSTed to the datasource's base URL + url;
  bill panels GET the billing API's invoice, parsed as Infinity's backend parser does;
- Altinity ClickHouse: the SQL after $timeSeries/$timeFilter (server.sql.macros implements
  Altinity's rules), `FORMAT JSON` appended, POSTed to the datasource URL (usePOST);
- Prometheus: every metric an expression names is in a scrape of /metrics after traffic.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

import orjson
import pytest
import pytest_asyncio
import yaml
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.billing import Usage, compute_invoice, invoice_to_dict, load_pricing
from server.config import Settings, load_settings
from server.demo import ENDPOINTS, DemoOptions, TrafficModel, run_demo
from server.sql.macros import MacroContext, expand
from server.storage.clickhouse import ClickHouseStorage

ROOT = Path(__file__).resolve().parent.parent
GRAFANA = ROOT / "grafana"
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
GRAFANA_ENV: dict[str, str] = COMPOSE["services"]["grafana"]["environment"]
PROVISIONING = {
    path.relative_to(GRAFANA).as_posix(): yaml.safe_load(path.read_text())
    for path in sorted((GRAFANA / "provisioning").rglob("*.y*ml"))
}
DATASOURCES = {
    ds["uid"]: ds
    for name, doc in PROVISIONING.items()
    if name.startswith("provisioning/datasources/")
    for ds in doc.get("datasources") or []
}
DASHBOARDS = {
    path.stem: json.loads(path.read_text())
    for path in sorted((GRAFANA / "dashboards").glob("*.json"))
}
JSON_DS = "simpod-json-datasource"
INFINITY = "yesoreyeram-infinity-datasource"
ALTINITY = "vertamedia-clickhouse-datasource"
PROMETHEUS = "prometheus"
CORE_TYPES = {PROMETHEUS, "grafana", "datasource"}  # shipped with Grafana, nothing to install
NO_QUERY_PANELS = {"row", "text", "news", "dashlist"}

BILLING = "usagehouse-billing"  # the Infinity datasource on the billing API
# The pricing compose mounts; loaded here, outside any event loop (blockbuster).
PRICING = load_pricing(str(ROOT / "pricing.example.toml"))

ACCOUNT = "demo"
READ, WRITE, PROBE, HARD = "uh-read", "uh-write", "uh-probe", "uh-hard"
HARD_ACCOUNT = "hard-ids"  # the customers of test_every_customer_panel_carries_a_hard_customer_id
TOKENS = f"{READ}:{ACCOUNT}:r,{WRITE}:{ACCOUNT}:w,{PROBE}:probe:rw,{HARD}:{HARD_ACCOUNT}:rw"
DEMO_POINTS = 20_000
CUSTOMERS = set(TrafficModel(random.Random(0), DemoOptions().customers).customers)
USERS = "/api/v1/users"  # the busiest demo endpoint: an ad hoc filter that keeps data
ADHOC_FILTER = {"key": "blob1", "operator": "=", "value": USERS}


# --- Grafana's side: panels, targets, variable interpolation --------------------------------


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those inside collapsed rows."""
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def query_panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in panels(board) if p["type"] not in NO_QUERY_PANELS]


def ds_type(node: dict[str, Any]) -> str:
    """The plugin id of the datasource a panel or variable uses ("unknown" if unprovisioned)."""
    return str(DATASOURCES.get(node["datasource"]["uid"], {}).get("type", "unknown"))


def references(node: object) -> Iterator[dict[str, Any]]:
    """Every `datasource` reference in a dashboard, wherever it sits."""
    if isinstance(node, dict):
        ref = node.get("datasource")
        if isinstance(ref, dict):
            yield ref
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def provisioned(value: str, env: dict[str, str]) -> str:
    """A provisioning value after Grafana's `$VAR`/`${VAR}` environment interpolation."""
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)", lambda m: env[m.group(1) or m.group(2)], value.replace("$$", "\0")
    ).replace("\0", "$")


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


def test_infinity_url_joins_as_request_go_does() -> None:
    base = "http://usagehouse:8787/client/v4/accounts/demo"
    assert infinity_url(base, "http://usagehouse:8787/ready") == (
        "http://usagehouse:8787/client/v4/accounts/demohttp://usagehouse:8787/ready"
    )
    assert infinity_url(base, base + "/x?b=2&a=1") == base + "/x?a=1&b=2"
    params = [{"key": "q", "value": "SELECT 1"}]
    assert infinity_url(base, "/sql?z=0", params) == base + "/sql?q=SELECT+1&z=0"
    assert infinity_allows(base + "/sql", ["http://usagehouse:8787"])
    assert not infinity_allows("http://other:8787/sql", ["http://usagehouse:8787"])


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


# --- shapes ---------------------------------------------------------------------------------


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def assert_time_series_frames(frames: list[dict[str, Any]], where: str) -> None:
    assert frames, f"{where}: no frames"
    drawn = 0
    for frame in frames:
        fields = frame["fields"]
        times = fields[0]
        assert times["type"] == "time", f"{where}: first field is {times['type']}, not time"
        assert all(isinstance(t, int) for t in times["values"]), f"{where}: times not epoch ms"
        assert times["values"] == sorted(times["values"]), f"{where}: times not ascending"
        for field in fields[1:]:
            assert field["type"] == "number", f"{where}: {field['name']} is {field['type']}"
            drawn += any(is_number(v) for v in field["values"])
    assert drawn, f"{where}: no number field holds data"


def assert_table_frames(
    frames: list[dict[str, Any]], columns: set[str], where: str
) -> dict[str, list[Any]]:
    assert len(frames) == 1, f"{where}: {len(frames)} frames"
    table = {f["name"]: f["values"] for f in frames[0]["fields"]}
    assert columns <= set(table), f"{where}: missing columns {columns - set(table)}"
    assert table and len(next(iter(table.values()))) >= 1, f"{where}: no rows"
    return table


def panel_columns(panel: dict[str, Any]) -> set[str]:
    """Columns the panel's config names: field overrides by name and the table's sort."""
    names = {
        o["matcher"]["options"]
        for o in panel.get("fieldConfig", {}).get("overrides", [])
        if o["matcher"]["id"] == "byName"
    }
    names |= {s["displayName"] for s in panel.get("options", {}).get("sortBy", [])}
    return names


def assert_panel_frames(panel: dict[str, Any], frames: list[dict[str, Any]], where: str) -> None:
    kind = panel["type"]
    if kind == "timeseries":
        assert_time_series_frames(frames, where)
    elif kind == "stat":
        assert len(frames) == 1, f"{where}: {len(frames)} frames"
        fields = frames[0]["fields"]
        assert fields and all(f["type"] == "number" for f in fields), where
        assert all(len(f["values"]) == 1 for f in fields), f"{where}: not a single value"
        assert any(is_number(f["values"][0]) and f["values"][0] > 0 for f in fields), where
    elif kind == "table":
        assert_table_frames(frames, panel_columns(panel), where)
    elif kind == "bargauge":
        table = assert_table_frames(frames, panel_columns(panel), where)
        kinds = {f["name"]: f["type"] for f in frames[0]["fields"]}
        pattern = panel["options"]["reduceOptions"]["fields"].strip("/") or ".*"
        shown = [
            name for name, kind in kinds.items() if kind == "number" and re.match(pattern, name)
        ]
        assert shown and "string" in kinds.values(), f"{where}: needs names and numbers"
        assert all(is_number(v) for v in table[shown[0]]), where
    else:
        pytest.fail(f"{where}: no shape check for panel type {kind!r}; add one")


def assert_sql_rows(panel: dict[str, Any], target: dict[str, Any], body: dict, where: str) -> None:
    """An Infinity or Altinity answer (`FORMAT JSON`) as the panel reads it."""
    rows = body["data"]
    assert rows and body["rows"] > 0, f"{where}: no rows (Altinity drops rows=0 answers)"
    if ds_type(panel) == INFINITY:
        # Backend parser, root_selector `data`, typed columns: values must already be JSON
        # numbers (output_format_json_quote_64bit_integers=0), times epoch ms ascending.
        columns = {c["selector"]: c["type"] for c in target["columns"]}
        for selector, kind in columns.items():
            values = [row[selector] for row in rows]
            if kind == "timestamp_epoch":
                assert all(isinstance(v, int) and v > 10**12 for v in values), f"{where}: ms"
                assert values == sorted(values), f"{where}: {selector} not ascending"
            elif kind == "number":
                assert all(is_number(v) for v in values), f"{where}: {selector} not numbers"
        if panel["type"] == "timeseries":
            assert "timestamp_epoch" in columns.values() and "number" in columns.values(), where
        return
    # Altinity: the first column is the time in ms (64-bit integers arrive quoted, as WAE
    # sends them), the other String columns name series, the numeric ones are drawn.
    meta = body["meta"]
    time_column = meta[0]["name"]
    times = [int(row[time_column]) for row in rows]
    assert times == sorted(times) and times[0] > 10**12, f"{where}: t not ascending ms"
    numeric = [m["name"] for m in meta[1:] if re.match(r"(U?Int|Float|Decimal)", m["type"])]
    assert numeric, f"{where}: no numeric column to draw"
    assert any(float(row[numeric[0]]) > 0 for row in rows), f"{where}: nothing above zero"


# --- static checks --------------------------------------------------------------------------


def installed_plugins() -> set[str]:
    names = set()
    for var in ("GF_PLUGINS_PREINSTALL_SYNC", "GF_PLUGINS_PREINSTALL", "GF_INSTALL_PLUGINS"):
        for entry in str(GRAFANA_ENV.get(var, "")).split(","):
            if entry.strip():
                names.add(entry.strip().split("@")[0].split()[0])
    return names


def grafana_mounts() -> dict[str, str]:
    """Host path -> container path of the grafana service's bind mounts."""
    mounts = {}
    for volume in COMPOSE["services"]["grafana"]["volumes"]:
        source, target, *_ = volume.split(":")
        mounts[source.removeprefix("./").rstrip("/")] = target
    return mounts


def test_provisioning_files_parse_as_grafana_expects() -> None:
    kinds = {name.split("/")[1] for name in PROVISIONING}
    assert kinds == {"datasources", "dashboards"}
    for name, doc in PROVISIONING.items():
        assert doc["apiVersion"] == 1, name
    assert len(DATASOURCES) == sum(
        len(doc.get("datasources") or []) for doc in PROVISIONING.values()
    ), "datasource uids must be unique"
    for uid, ds in DATASOURCES.items():
        assert {"name", "type", "url"} <= set(ds), uid
        assert ds.get("access") == "proxy", f"{uid}: custom headers need server (proxy) access"
        assert re.fullmatch(r"[a-z0-9-]{1,40}", uid), uid
    assert sum(bool(ds.get("isDefault")) for ds in DATASOURCES.values()) <= 1


def test_datasource_types_are_the_plugins_compose_installs() -> None:
    installed = installed_plugins()
    types = {ds["type"] for ds in DATASOURCES.values()}
    assert types <= installed | CORE_TYPES, f"not installed: {types - installed - CORE_TYPES}"
    assert {JSON_DS, INFINITY, ALTINITY, PROMETHEUS} <= types
    assert installed <= types, "a plugin is installed but has no datasource"


def test_datasources_read_the_environment_compose_passes() -> None:
    text = "\n".join(
        path.read_text() for path in (GRAFANA / "provisioning" / "datasources").glob("*.y*ml")
    )
    used = set(re.findall(r"\$\{?(\w+)\}?", text.replace("$$", "")))
    assert used and used <= set(GRAFANA_ENV), f"not set on grafana: {used - set(GRAFANA_ENV)}"
    for ds in DATASOURCES.values():
        if ds["type"] != PROMETHEUS:
            headers = ds["jsonData"]["httpHeaderName1"], ds["secureJsonData"]["httpHeaderValue1"]
            assert headers == ("Authorization", "Bearer ${UH_READ_TOKEN}"), ds["uid"]


def test_plugin_settings_follow_the_documented_setups() -> None:
    by_type = {ds["type"]: ds for ds in DATASOURCES.values()}
    assert by_type[JSON_DS]["url"] == "${UH_URL}/grafana/json"
    for infinity in (ds for ds in DATASOURCES.values() if ds["type"] == INFINITY):
        assert infinity["jsonData"]["allowedHosts"] == ["${UH_URL}"], infinity["uid"]
        assert infinity["url"].startswith("${UH_URL}/"), infinity["uid"]
    assert DATASOURCES[BILLING]["type"] == INFINITY
    assert DATASOURCES[BILLING]["url"] == "${UH_URL}/v1/accounts/${UH_ACCOUNT}/billing"
    altinity = by_type[ALTINITY]  # Cloudflare's WAE setup: the SQL API URL, auth settings off
    assert altinity["url"] == "${UH_URL}/client/v4/accounts/${UH_ACCOUNT}/analytics_engine/sql"
    assert not altinity.get("basicAuth") and not altinity.get("withCredentials")
    assert altinity["jsonData"]["usePOST"] is True  # GET would append `/?query=` to the URL
    prometheus = by_type[PROMETHEUS]
    assert urlsplit(prometheus["url"]).hostname in COMPOSE["services"]
    assert any(p.endswith(":9090") for p in COMPOSE["services"]["prometheus"]["ports"])


def test_readme_infinity_setup_is_the_provisioned_one() -> None:
    """The README's Infinity section describes the provisioned datasource and a target that
    works with it (a URL relative to the datasource URL), not a setup of its own."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Infinity") : readme.index("### Altinity")]
    ds = DATASOURCES["usagehouse-infinity"]
    assert provisioned(
        ds["url"], {"UH_URL": "http://<host>:8787", "UH_ACCOUNT": "<account_id>"}
    ) in (section.replace("`\n`", ""))
    assert f"`{ds['jsonData']['customHealthCheckUrl']}`" in section
    [block] = re.findall(r"```json\n(.*?)```", section, re.S)
    target = json.loads(block)
    panel_urls = {t["url"].split("?")[0] for _, _, t in infinity_targets() if "sql" in t["url"]}
    assert panel_urls == {target["url"]}


def test_dashboard_provider_reads_the_mounted_directory() -> None:
    mounts = grafana_mounts()
    assert mounts["grafana/provisioning"] == "/etc/grafana/provisioning"
    providers = [p for n, d in PROVISIONING.items() if "/dashboards/" in n for p in d["providers"]]
    assert [p["options"]["path"] for p in providers] == [mounts["grafana/dashboards"]]
    assert all(p["type"] == "file" and p["name"] for p in providers)


def test_dashboards_are_valid_grafana_12_models() -> None:
    assert set(DASHBOARDS) == {"customer-usage", "endpoint-activity", "usagehouse-health"}
    uids = [board["uid"] for board in DASHBOARDS.values()]
    assert len(set(uids)) == len(uids)
    for name, board in DASHBOARDS.items():
        assert re.fullmatch(r"[a-z0-9-]{1,40}", board["uid"]), name
        assert board["title"] and 39 <= board["schemaVersion"] <= 41, name
        assert board.get("id") is None and "__inputs" not in board, name
        assert "${DS_" not in json.dumps(board), f"{name}: export-for-sharing placeholders"
        ids = [p["id"] for p in panels(board)]
        assert len(set(ids)) == len(ids), f"{name}: panel ids repeat"
        cells: set[tuple[int, int]] = set()
        for panel in panels(board):
            g = panel["gridPos"]
            assert g["x"] >= 0 and g["w"] >= 1 and g["x"] + g["w"] <= 24, panel["title"]
            mine = {
                (x, y)
                for x in range(g["x"], g["x"] + g["w"])
                for y in range(g["y"], g["y"] + g["h"])
            }
            assert not mine & cells, f"{name}: {panel['title']} overlaps another panel"
            cells |= mine


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_datasource_reference_is_provisioned(name: str) -> None:
    board = DASHBOARDS[name]
    refs = list(references(board))
    assert refs
    for ref in refs:
        if ref.get("type") == "grafana":  # the built-in annotations query
            continue
        assert ref.get("uid") in DATASOURCES, f"{name}: unknown datasource {ref}"
        assert ref["type"] == DATASOURCES[ref["uid"]]["type"], f"{name}: {ref}"
    for panel in panels(board):
        if panel["type"] in NO_QUERY_PANELS:
            continue
        assert panel["targets"], f"{name}: {panel['title']} has no queries"
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"], f"{name}: {panel['title']}"
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])


def test_customer_usage_is_driven_by_a_customer_variable() -> None:
    board = DASHBOARDS["customer-usage"]
    [variable] = board["templating"]["list"]
    assert (variable["name"], variable["type"]) == ("customer", "query")
    assert ds_type(variable) == JSON_DS and variable["refresh"] == 2  # on time range change
    for panel in query_panels(board):
        assert "customer" in json.dumps(panel["targets"]), f"{panel['title']} ignores $customer"
    kinds = {ds_type(p) for p in query_panels(board)}
    assert kinds == {JSON_DS, INFINITY, ALTINITY}


def test_endpoint_activity_has_ad_hoc_filters_on_the_json_datasource() -> None:
    variables = DASHBOARDS["endpoint-activity"]["templating"]["list"]
    adhoc = [v for v in variables if v["type"] == "adhoc"]
    assert len(adhoc) == 1 and ds_type(adhoc[0]) == JSON_DS


def test_health_dashboard_is_all_prometheus() -> None:
    board = DASHBOARDS["usagehouse-health"]
    assert {ds_type(p) for p in query_panels(board)} == {PROMETHEUS}


def infinity_targets() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (name, panel, target)
        for name, board in DASHBOARDS.items()
        for panel in query_panels(board)
        if ds_type(panel) == INFINITY
        for target in panel["targets"]
    ]


def test_infinity_panels_are_alert_ready() -> None:
    """Backend parser (runs on the Grafana server), backend time macros rather than the
    frontend's ${__from}, typed columns, numbers unquoted; one without dashboard variables."""
    found = infinity_targets()
    assert {name for name, _, _ in found} >= {"customer-usage"}
    free_of_variables = 0
    for _, panel, target in found:
        where = panel["title"]
        assert (target["type"], target["source"], target["parser"]) == ("json", "url", "backend")
        assert all(c["type"] in ("timestamp_epoch", "number", "string") for c in target["columns"])
        if panel["datasource"]["uid"] == BILLING:
            continue  # GETs an invoice: test_bill_panels_read_the_invoice_of_the_range_end
        assert target["root_selector"] == "data", where
        assert "output_format_json_quote_64bit_integers=0" in target["url"], where
        options = target["url_options"]
        assert (options["method"], options["body_type"]) == ("POST", "raw"), where
        body = options["data"]
        assert "${__timeFrom:date:seconds}" in body and "${__timeTo:date:seconds}" in body, where
        assert not re.search(r"\$\{?__(from|to|interval)\b", body), f"{where}: frontend macro"
        free_of_variables += not re.search(r"\$(?!\{?__)", body)
    assert free_of_variables, "no Infinity panel works in an alert rule without variables"


def test_bill_panels_read_the_invoice_of_the_range_end() -> None:
    """A Billing row below the daily breakdown: a stat of the invoice total and a table of its
    lines, both GETting the billing API's invoice for the UTC month the time range ends in
    (Infinity's backend macro, so alert rules get it too) and picking fields it answers."""
    board = DASHBOARDS["customer-usage"]
    by_title = {p["title"]: p for p in panels(board)}
    row, stat, table = by_title["Billing"], by_title["Month-to-date bill"], by_title["Bill lines"]
    assert (
        row["type"] == "row" and row["gridPos"]["y"] > by_title["Daily breakdown"]["gridPos"]["y"]
    )
    assert (stat["type"], table["type"]) == ("stat", "table")
    for panel in (stat, table):
        assert panel["datasource"] == {"type": INFINITY, "uid": BILLING}
        assert panel["gridPos"]["y"] > row["gridPos"]["y"]
        assert "exact pre-sampling counters" in panel["description"]
        [target] = panel["targets"]
        assert target["url"] == "/invoices/${__timeTo:date:YYYY-MM}/${customer:percentencode}"
        assert target["url_options"]["method"] == "GET" and not target["url_options"]["params"]
    # The invoice JSON the API answers, for a month of example-priced usage.
    usage = [Usage("requests", e.path, Decimal(900), exact=True) for e in ENDPOINTS]
    usage.append(Usage("egress", None, Decimal(5 * 10**9), exact=True))
    invoice = invoice_to_dict(compute_invoice(PRICING, "cust-0001", "2026-11", usage))
    [total] = stat["targets"][0]["columns"]
    assert (stat["targets"][0]["root_selector"], total["selector"]) == ("", "total")
    assert total["type"] == "number" and stat["fieldConfig"]["defaults"]["unit"] == "currencyUSD"
    assert PRICING.currency == "USD", "the bill panels' unit is currencyUSD"
    assert infinity_backend_frame(stat["targets"][0], invoice)["fields"][0]["values"] == [
        float(str(invoice["total"]))
    ]
    target = table["targets"][0]
    assert target["root_selector"] == "lines"
    columns = {c["selector"]: c["type"] for c in target["columns"]}
    wanted = {"meter", "dimension", "quantity", "unit_price", "amount", "source"}
    assert wanted <= set(columns) and columns["quantity"] == columns["amount"] == "number"
    lines = invoice["lines"]
    assert isinstance(lines, list) and set(columns) <= set(lines[0])
    frame = infinity_backend_frame(target, invoice)
    assert all(len(f["values"]) == len(ENDPOINTS) + 1 for f in frame["fields"])


# --- live checks against a server filled by `usagehouse demo` --------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo_storage(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ClickHouseStorage]:
    """One storage for the module, filled once by `usagehouse demo` over 7 days. Sampling is
    off so small counts (a customer's 5xx) are exact and the checks cannot flake; weighting by
    _sample_interval is covered in test_grafana.py."""
    path = tmp_path_factory.mktemp("dashboards")
    store = await ClickHouseStorage.open(str(path / "chdb"), retention_days=92)
    settings = load_settings({}, tokens=TOKENS, storage=str(path), sampling="off")
    # With the pricing, the demo's writes keep the exact billing counters the bill panels read.
    app = create_app(settings, storage=store, pricing=PRICING)
    async with TestClient(TestServer(app)) as client:
        url = str(client.make_url("")).rstrip("/")
        summary = await run_demo(
            DemoOptions(url=url, token=WRITE, account=ACCOUNT, points=DEMO_POINTS, days=7)
        )
    assert summary.accepted == DEMO_POINTS
    yield store
    await store.close()


class Grafana:
    """Grafana's view of one running usagehouse: the provisioned datasources, resolved."""

    def __init__(
        self, client: TestClient[Any, Any], account: str = ACCOUNT, token: str = READ
    ) -> None:
        self.client = client
        base = str(client.make_url("")).rstrip("/")
        self.env = {"UH_URL": base, "UH_ACCOUNT": account, "UH_READ_TOKEN": token}
        self.base = base

    def url(self, uid: str) -> str:
        return provisioned(DATASOURCES[uid]["url"], self.env)

    def headers(self, uid: str) -> dict[str, str]:
        ds = DATASOURCES[uid]
        name = ds["jsonData"]["httpHeaderName1"]
        return {name: provisioned(ds["secureJsonData"]["httpHeaderValue1"], self.env)}

    def path(self, url: str) -> str:
        assert url.startswith(self.base), f"{url} is not on the server"
        return url[len(self.base) :]

    def target_url(self, uid: str, suffix: str, params: list[dict[str, str]] | None = None) -> str:
        """The URL the datasource's plugin requests for a query URL (`suffix`): Infinity joins
        them its own way (`infinity_url`, with a target's `params`) and checks its allowed
        hosts; the others append."""
        base = self.url(uid)
        if DATASOURCES[uid]["type"] != INFINITY:
            assert not params
            return base + suffix
        url = infinity_url(base, suffix, params)
        hosts = [provisioned(h, self.env) for h in DATASOURCES[uid]["jsonData"]["allowedHosts"]]
        assert infinity_allows(url, hosts), f"{url} not in allowedHosts {hosts}"
        return url

    async def send(self, method: str, uid: str, suffix: str, **kw: Any) -> Any:
        """The plugin's request for `suffix`, with the datasource's headers; the raw response.
        `infinity_params` are an Infinity target's `url_options.params`."""
        url = self.target_url(uid, suffix, kw.pop("infinity_params", None))
        headers = {**self.headers(uid), **kw.pop("headers", {})}
        return await self.client.request(method, self.path(url), headers=headers, **kw)

    async def request(self, method: str, uid: str, suffix: str, **kwargs: Any) -> Any:
        resp = await self.send(method, uid, suffix, **kwargs)
        text = await resp.text()
        assert resp.status == 200, f"{resp.status} from {method} {suffix}: {text[:500]}"
        return orjson.loads(text)

    async def post(self, uid: str, suffix: str, **kwargs: Any) -> Any:
        return await self.request("POST", uid, suffix, **kwargs)

    async def variables(self, board: dict[str, Any], window: Window) -> dict[str, str]:
        """Query variables resolved as Grafana does on load: /variable, first option."""
        values: dict[str, str] = {}
        for variable in board["templating"]["list"]:
            if variable["type"] != "query":
                continue
            assert ds_type(variable) == JSON_DS, "only JSON datasource variables are emulated"
            query = variable["query"]
            assert query["format"] == "string"
            body = {
                "payload": {"target": interpolate(query["query"], values, "regex")},
                "range": {
                    "from": iso(window.from_ms),
                    "to": iso(window.to_ms),
                    "raw": {"from": window.raw_from, "to": "now"},
                },
            }
            options = await self.post(variable["datasource"]["uid"], "/variable", json=body)
            assert options, f"variable {variable['name']} has no options"
            values[variable["name"]] = options[0]["__value"]
        return values

    async def run_panel(
        self,
        board: dict[str, Any],
        panel: dict[str, Any],
        filters: list[dict[str, str]] | None = None,
        to_ms: int | None = None,
        variables: dict[str, str] | None = None,
    ) -> list[Any]:
        """Every target of the panel, sent as its plugin sends it; answers in target order.
        The time range is the dashboard's, ending now or at `to_ms`; dashboard variables take
        their first option, unless `variables` gives their values."""
        window = Window(board["time"]["from"], max(100, panel["gridPos"]["w"] * 75), to_ms)
        if variables is None:
            variables = await self.variables(board, window)
        uid = panel["datasource"]["uid"]
        kind = ds_type(panel)
        if kind == JSON_DS:
            body = simpod_request(board, panel, variables, window, filters or [])
            return [await self.post(uid, "/query", json=body)]
        answers = []
        for target in panel["targets"]:
            if kind == INFINITY:
                # The frontend replaces dashboard variables, then the backend its macros.
                url = infinity_macros(interpolate(target["url"], variables, "raw"), window)
                options = target["url_options"]
                if options.get("method", "GET") == "GET":  # GET sends no body
                    assert not options.get("params") and "$" not in url, url
                    accept = {"Accept": "application/json;q=0.9,text/plain"}
                    answers.append(await self.request("GET", uid, url, headers=accept))
                    continue
                sql = infinity_macros(interpolate(options["data"], variables, "raw"), window)
                headers = {"Content-Type": options.get("body_content_type", "text/plain")}
                headers["Accept"] = "application/json;q=0.9,text/plain"
            else:
                assert kind == ALTINITY, kind
                url, sql = "", altinity_sql(board, target, variables, window)
                headers = {"Content-Type": "text/plain"}
            assert "$" not in sql and "$" not in url, f"unexpanded macro or variable: {sql}"
            params = options.get("params") if kind == INFINITY else None
            answers.append(
                await self.post(
                    uid, url, data=sql.encode(), headers=headers, infinity_params=params
                )
            )
        return answers


@pytest.fixture
async def grafana(
    aiohttp_client: Any,
    make_settings: Callable[..., Settings],
    demo_storage: ClickHouseStorage,
    registry: CollectorRegistry,
) -> Grafana:
    settings = make_settings(tokens=TOKENS, sampling="off")
    app = create_app(settings, storage=demo_storage, registry=registry, pricing=PRICING)
    return Grafana(await aiohttp_client(app))


def bill_to_ms(now: datetime | None = None) -> int:
    """Where the bill panels' time range ends: now, unless the UTC month began less than three
    days ago. Then the demo's top customer may not yet have used up the free units (the demo
    writes ~750 of its requests a day), so the range ends in the last millisecond of the previous
    month, as a dashboard set to an absolute range would."""
    now = now or datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if now - month_start >= timedelta(days=3):
        return int(now.timestamp() * 1000)
    return int(month_start.timestamp() * 1000) - 1


def test_bill_panels_range_ends_in_a_month_with_billable_demo_usage() -> None:
    def ms(when: str) -> int:
        return int(datetime.fromisoformat(when).timestamp() * 1000)

    assert bill_to_ms(datetime.fromisoformat("2026-12-01T00:30Z")) == ms("2026-12-01T00:00Z") - 1
    assert bill_to_ms(datetime.fromisoformat("2027-01-03T23:59Z")) == ms("2027-01-01T00:00Z") - 1
    assert bill_to_ms(datetime.fromisoformat("2026-12-04T00:00Z")) == ms("2026-12-04T00:00Z")
    assert bill_to_ms(datetime.fromisoformat("2026-11-23T20:00Z")) == ms("2026-11-23T20:00Z")


def live_panels(*names: str, kinds: tuple[str, ...] = (JSON_DS, INFINITY, ALTINITY)) -> list[Any]:
    return [
        pytest.param(name, panel["id"], id=f"{name}/{panel['title']}")
        for name in names
        for panel in query_panels(DASHBOARDS[name])
        if ds_type(panel) in kinds
    ]


def panel_by_id(name: str, panel_id: int) -> dict[str, Any]:
    return next(p for p in panels(DASHBOARDS[name]) if p["id"] == panel_id)


async def test_customer_variable_lists_the_demo_customers_busiest_first(grafana: Grafana) -> None:
    board = DASHBOARDS["customer-usage"]
    window = Window(board["time"]["from"], 1000)
    [variable] = board["templating"]["list"]
    body = {
        "payload": {"target": variable["query"]["query"]},
        "range": {"from": iso(window.from_ms), "to": iso(window.to_ms)},
    }
    options = await grafana.post(variable["datasource"]["uid"], "/variable", json=body)
    values = [o["__value"] for o in options]
    assert set(values) <= CUSTOMERS and len(values) >= 40
    sql = (
        "SELECT index1, sum(_sample_interval) AS n FROM usage_indexed_by_customer_id "
        "GROUP BY index1 ORDER BY n DESC LIMIT 1"
    )
    top = await grafana.post(
        "usagehouse-clickhouse",
        "",
        data=sql.encode(),
        params={"output_format_json_quote_64bit_integers": "0"},
    )
    assert values[0] == top["data"][0]["index1"]


async def infinity_health_check(grafana: Grafana, uid: str, token: str | None = None) -> Any:
    """Infinity's CheckHealth with a custom health check URL (pkg/pluginhost): a query of
    that URL, joined to the datasource URL as every query is, GET unless the options say
    otherwise; only the status counts."""
    infinity = DATASOURCES[uid]["jsonData"]
    assert infinity["customHealthCheckEnabled"] and infinity["customHealthCheckUrl"]
    method = infinity.get("customHealthCheckUrlOptions", {}).get("method") or "GET"
    url = provisioned(infinity["customHealthCheckUrl"], grafana.env)
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await grafana.send(method, uid, url, headers=headers)


async def test_infinity_health_checks_fail_with_a_wrong_token(grafana: Grafana) -> None:
    """ "Save & test" proves the token works, not only that the server is up."""
    for uid in (uid for uid, ds in DATASOURCES.items() if ds["type"] == INFINITY):
        resp = await infinity_health_check(grafana, uid, token="not-a-token")
        assert resp.status == 401, f"{uid}: {resp.status}"


async def test_save_and_test_succeeds_for_each_provisioned_datasource(grafana: Grafana) -> None:
    """What "Save & test" calls: the JSON datasource's GET /, Infinity's custom health check,
    and the Altinity plugin's probes (SELECT 1, SELECT timezone()) with the provisioned
    header."""
    by_type = {ds["type"]: uid for uid, ds in DATASOURCES.items()}
    json_uid = by_type[JSON_DS]
    resp = await grafana.client.get(
        grafana.path(grafana.url(json_uid)), headers=grafana.headers(json_uid)
    )
    assert resp.status == 200 and (await resp.json())["account"] == ACCOUNT
    for uid in (uid for uid, ds in DATASOURCES.items() if ds["type"] == INFINITY):
        resp = await infinity_health_check(grafana, uid)
        assert resp.status == 200, f"{uid}: {resp.status} {await resp.text()}"
    for probe in ("SELECT 1 FORMAT JSON", "SELECT timezone() FORMAT JSON"):
        body = await grafana.post(by_type[ALTINITY], "", data=probe.encode())
        assert body["rows"] == 1, probe


@pytest.mark.parametrize(("name", "panel_id"), live_panels("customer-usage", "endpoint-activity"))
async def test_panel_query_returns_what_the_panel_draws(
    grafana: Grafana, name: str, panel_id: int
) -> None:
    board, panel = DASHBOARDS[name], panel_by_id(name, panel_id)
    bill = panel["datasource"]["uid"] == BILLING
    answers = await grafana.run_panel(board, panel, to_ms=bill_to_ms() if bill else None)
    where = f"{name}/{panel['title']}"
    if ds_type(panel) == JSON_DS:
        [frames] = answers
        assert_panel_frames(panel, frames, where)
    elif bill:
        frames = [
            infinity_backend_frame(t, a) for t, a in zip(panel["targets"], answers, strict=True)
        ]
        assert_panel_frames(panel, frames, where)
        for target, frame in zip(panel["targets"], frames, strict=True):
            declared = [c["text"] for c in target["columns"]]
            assert [f["name"] for f in frame["fields"]] == declared, where
            for field in frame["fields"]:
                if field["type"] == "number":
                    assert all(is_number(v) for v in field["values"]), f"{where}: {field}"
    else:
        for target, body in zip(panel["targets"], answers, strict=True):
            assert_sql_rows(panel, target, body, where)


async def test_daily_breakdown_adds_up_to_the_period_total(grafana: Grafana) -> None:
    """The billing recipe's daily rows and the Requests stat count the same requests."""
    board = DASHBOARDS["customer-usage"]
    by_title = {p["title"]: p for p in query_panels(board)}
    [[total_frame]] = await grafana.run_panel(board, by_title["Requests"])
    [[daily_frame]] = await grafana.run_panel(board, by_title["Daily usage by endpoint"])
    daily = {f["name"]: f["values"] for f in daily_frame["fields"]}
    assert len(set(daily["customer_id"])) == 1
    assert sum(daily["count"]) == total_frame["fields"][0]["values"][0] > 0
    days = {d // 86_400_000 for d in daily["date"]}
    assert 7 <= len(days) <= 8 and all(d % 86_400_000 == 0 for d in daily["date"])


async def test_bill_panels_show_the_exact_month_to_date_invoice(grafana: Grafana) -> None:
    """The stat is the invoice total; the table's lines add up to it, come from the exact
    counters (the demo wrote after the meters existed) and follow the example pricing."""
    board = DASHBOARDS["customer-usage"]
    by_title = {p["title"]: p for p in query_panels(board)}
    to_ms = bill_to_ms()
    [invoice] = await grafana.run_panel(board, by_title["Month-to-date bill"], to_ms=to_ms)
    [lines] = await grafana.run_panel(board, by_title["Bill lines"], to_ms=to_ms)
    assert invoice["month"] == datetime.fromtimestamp(to_ms / 1000, UTC).strftime("%Y-%m")
    assert invoice["customer"] in CUSTOMERS and invoice["exact"] is True
    stat = infinity_backend_frame(by_title["Month-to-date bill"]["targets"][0], invoice)
    table = infinity_backend_frame(by_title["Bill lines"]["targets"][0], lines)
    columns = {f["name"]: f["values"] for f in table["fields"]}
    [[total]] = [f["values"] for f in stat["fields"]]
    assert total == float(invoice["total"]) > 0
    assert sum(Decimal(line["amount"]) for line in lines["lines"]) == Decimal(invoice["total"])
    assert set(columns["source"]) == {"exact counters"}
    assert set(columns["meter"]) == {m.name for m in PRICING.meters}
    endpoints = {
        d for m, d in zip(columns["meter"], columns["dimension"], strict=True) if m == "requests"
    }
    assert endpoints <= {e.path for e in ENDPOINTS} and "/api/v1/payments" in endpoints
    price = PRICING.meter("requests").prices["/api/v1/payments"]  # the override, not the default
    assert columns["unit_price"][columns["dimension"].index("/api/v1/payments")] == str(price)


@pytest.mark.parametrize(("name", "panel_id"), live_panels("endpoint-activity", kinds=(JSON_DS,)))
async def test_ad_hoc_filters_narrow_every_json_panel(
    grafana: Grafana, name: str, panel_id: int
) -> None:
    board, panel = DASHBOARDS[name], panel_by_id(name, panel_id)
    [frames] = await grafana.run_panel(board, panel, [ADHOC_FILTER])
    assert_panel_frames(panel, frames, f"{name}/{panel['title']} (filtered)")
    text = json.dumps(frames)
    others = [e.path for e in ENDPOINTS if e.path != USERS]
    assert not any(f'"{path}"' in text for path in others), "the filter did not apply"


# The Altinity plugin's metadata lookups, verbatim from its source (Altinity/clickhouse-grafana:
# QueryBuilder/hooks/useConnectionData.ts, datasource/adhoc.ts), as metricFindQuery sends them
# (` FORMAT JSON` appended), for the demo's dataset; and what each answers.
DATASET = "usage_indexed_by_customer_id"
COLUMNS_OF = (
    f"SELECT name FROM system.columns WHERE database = 'default' AND table = '{DATASET}' AND "
)
ALTINITY_LOOKUPS = {
    "SELECT name FROM system.databases ORDER BY name": [{"name": "default"}],
    "SELECT name FROM system.tables WHERE database = 'default' ORDER BY name": [{"name": DATASET}],
    COLUMNS_OF + "(substring(type,1,8) = 'DateTime' OR substring(type,10,8) = 'DateTime') AND "
    "(substring(type,1,10) != 'DateTime64' OR substring(type,10,10) != 'DateTime64')"
    "ORDER BY name": [{"name": "timestamp"}],
    COLUMNS_OF + "type IN ('Date','Date32','Nullable(Date)','Nullable(Date32)') ORDER BY name "
    "UNION ALL SELECT ' ' AS name": [{"name": " "}],
}
ADHOC_KEYS = (
    "SELECT database, table, name, type FROM system.columns WHERE database NOT IN "
    "('system','INFORMATION_SCHEMA','information_schema') ORDER BY database, table"
)
ADHOC_VALUES = "SELECT DISTINCT {field} AS value FROM {database}.{table} LIMIT 300"


async def test_altinity_editor_lookups_answer_with_the_accounts_own_catalog(
    grafana: Grafana,
) -> None:
    """The query builder's pickers and the ad hoc filters read system.databases/tables/columns;
    through the provisioned datasource (the read token's account) they see this account's
    datasets and WAE columns, and a filter's values come from `default.<dataset>`."""
    uid = "usagehouse-clickhouse"
    resp = await grafana.client.post(  # another account's dataset must not show
        "/v1/accounts/probe/datasets/probe_only/points",
        json={"blobs": ["x"]},
        headers={"Authorization": f"Bearer {PROBE}"},
    )
    assert resp.status == 200
    for sql, expected in ALTINITY_LOOKUPS.items():
        body = await grafana.post(uid, "", data=f"{sql} FORMAT JSON".encode())
        assert body["data"] == expected, sql
    keys = (await grafana.post(uid, "", data=f"{ADHOC_KEYS} FORMAT JSON".encode()))["data"]
    assert {(k["database"], k["table"]) for k in keys} == {("default", DATASET)}
    assert [k["name"] for k in keys[:4]] == ["dataset", "timestamp", "_sample_interval", "index1"]
    assert {k["name"]: k["type"] for k in keys}["double1"] == "Float64" and len(keys) == 44
    values = ADHOC_VALUES.format(field="blob1", database="default", table=DATASET)
    found = (await grafana.post(uid, "", data=f"{values} FORMAT JSON".encode()))["data"]
    assert {row["value"] for row in found} == {e.path for e in ENDPOINTS}
    # Read-only and scoped: nothing else of system, no other database.
    for refused in ("SELECT name FROM system.functions", "SELECT 1 FROM usagehouse.points"):
        resp = await grafana.send("POST", uid, "", data=f"{refused} FORMAT JSON".encode())
        assert resp.status == 422, refused


# Customer ids a dashboard variable must carry unchanged into every plugin's query: quotes of
# both kinds (SQL strings, simPod's JSON payload), a backslash (escape in JSON and ClickHouse
# strings), Unicode, and URL syntax (the bill panels' path).
HARD_CUSTOMERS = ("o'brien", 'say "hi"', "dir\\new\\", "zürich-東京 ☃", "a/b?c=d&e#f%20")
REQUESTS_PANELS = {  # panel -> how to read its requests total from the answers
    "Requests": lambda a: a[0][0]["fields"][0]["values"][0],
    "Requests by endpoint": lambda a: sum(v for f in a[0][0]["fields"][1:] for v in f["values"]),
    "Requests by status class (ClickHouse plugin)": lambda a: sum(
        int(row["requests"]) for row in a[0]["data"]
    ),
    "Requests and server errors (Infinity, alert-ready)": lambda a: sum(
        row["requests"] for row in a[0]["data"]
    ),
    "Daily usage by endpoint": lambda a: sum(
        next(f["values"] for f in a[0][0]["fields"] if f["name"] == "count")
    ),
    "Bill lines": lambda a: sum(
        int(line["quantity"]) for line in a[0]["lines"] if line["meter"] == "requests"
    ),
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hard_storage(demo_storage: ClickHouseStorage) -> ClickHouseStorage:
    """The module's storage with customers of hard ids in their own account, each with its own
    number of requests, beside a plain customer with many more (a query that loses its
    customer filter counts those). chDB opens one path per process, hence the shared storage."""
    settings = load_settings({}, tokens=TOKENS, storage="unused", sampling="off")
    app = create_app(settings, storage=demo_storage, pricing=PRICING)
    now_ms = bill_to_ms()
    customers = {"plain": 1000} | {cid: 10 * (i + 1) for i, cid in enumerate(HARD_CUSTOMERS)}
    batch = [
        {
            "indexes": [cid],
            "blobs": [USERS, "GET", "500" if k % 5 == 0 else "200", "IAD"],
            "doubles": [20.0 + k, 100.0],
            "timestamp": now_ms - 60_000 * (k + 1),
        }
        for cid, n in customers.items()
        for k in range(n)
    ]
    async with TestClient(TestServer(app)) as client:
        resp = await client.post(
            f"/v1/accounts/{HARD_ACCOUNT}/datasets/usage_indexed_by_customer_id/points",
            json=batch,
            headers={"Authorization": f"Bearer {HARD}"},
        )
        assert resp.status == 200, await resp.text()
    return demo_storage


@pytest.fixture
async def hard_ids(
    aiohttp_client: Any,
    make_settings: Callable[..., Settings],
    hard_storage: ClickHouseStorage,
    registry: CollectorRegistry,
) -> Grafana:
    """Grafana's view of the account with hard customer ids."""
    settings = make_settings(tokens=TOKENS, sampling="off")
    app = create_app(settings, storage=hard_storage, registry=registry, pricing=PRICING)
    return Grafana(await aiohttp_client(app), account=HARD_ACCOUNT, token=HARD)


@pytest.mark.parametrize("customer", HARD_CUSTOMERS)
async def test_every_customer_panel_carries_a_hard_customer_id(
    hard_ids: Grafana, customer: str
) -> None:
    """Quotes, backslashes, Unicode and URL syntax in the customer variable: every panel answers
    200 with that customer's own data, through each plugin's own variable interpolation."""
    board = DASHBOARDS["customer-usage"]
    expected = 10 * (HARD_CUSTOMERS.index(customer) + 1)
    seen = set()
    for panel in query_panels(board):
        to_ms = bill_to_ms() if panel["datasource"]["uid"] == BILLING else None
        answers = await hard_ids.run_panel(
            board, panel, to_ms=to_ms, variables={"customer": customer}
        )
        if panel["title"] in REQUESTS_PANELS:
            total = REQUESTS_PANELS[panel["title"]](answers)
            assert total == expected, f"{panel['title']}: {total} requests, not {expected}"
            seen.add(panel["title"])
        if panel["datasource"]["uid"] == BILLING:
            assert answers[0]["customer"] == customer, panel["title"]
    assert seen == set(REQUESTS_PANELS)


async def test_an_empty_customer_gives_no_data_rather_than_errors(hard_ids: Grafana) -> None:
    """A fresh stack (no demo yet) has no customers, so $customer is empty: every panel answers
    200 (Grafana shows "No data" or zero), the bill panels' URL ending in `/` included."""
    board = DASHBOARDS["customer-usage"]
    for panel in query_panels(board):
        answers = await hard_ids.run_panel(board, panel, variables={"customer": ""})
        if panel["datasource"]["uid"] == BILLING:
            assert (answers[0]["customer"], answers[0]["lines"]) == ("", []), panel["title"]


async def test_sqlstring_alone_cannot_carry_a_backslash(hard_ids: Grafana) -> None:
    """Why the panels write decodeURLComponent('${customer:percentencode}'): Grafana's sqlstring
    format leaves a backslash as it is, which a ClickHouse string reads as an escape (and a
    simPod payload as a JSON escape), so such an id cannot reach the query intact."""
    customer = next(c for c in HARD_CUSTOMERS if "\\" in c)
    sql = (
        "SELECT count() AS n FROM usage_indexed_by_customer_id WHERE index1 = ${customer:sqlstring}"
    )
    text = interpolate(sql, {"customer": customer}, "raw") + " FORMAT JSON"
    resp = await hard_ids.send("POST", "usagehouse-clickhouse", "", data=text.encode())
    assert resp.status == 422  # 'dir\new\' : the last quote is escaped
    fixed = sql.replace("${customer:sqlstring}", "decodeURLComponent('${customer:percentencode}')")
    text = interpolate(fixed, {"customer": customer}, "raw") + " FORMAT JSON"
    body = await hard_ids.post("usagehouse-clickhouse", "", data=text.encode())
    assert body["data"] == [{"n": str(10 * (HARD_CUSTOMERS.index(customer) + 1))}]


def test_data_links_percent_encode_the_values_they_carry() -> None:
    """A data link that puts a value into a URL encodes it, so the linked dashboard's variable
    gets the exact id back."""
    links = [
        link
        for board in DASHBOARDS.values()
        for panel in panels(board)
        for link in json.loads(json.dumps(panel.get("fieldConfig", {})))
        .get("defaults", {})
        .get("links", [])
        + [
            link
            for override in panel.get("fieldConfig", {}).get("overrides", [])
            for prop in override.get("properties", [])
            if prop["id"] == "links"
            for link in prop["value"]
        ]
    ]
    assert links, "the dashboards link customers to their usage"
    for link in links:
        used = re.findall(r"\$\{([^}]+)\}|\$(\w+)", link["url"])
        for braced, bare in used:
            name = braced.split(":")[0] if braced else bare
            if name in {"__url_time_range", "__from", "__to"}:
                continue
            assert braced.endswith(":percentencode"), f"{link['url']}: encode ${name}"
        for customer in HARD_CUSTOMERS:
            url = link["url"].replace(
                "${__value.raw:percentencode}", FORMATS["percentencode"](customer)
            )
            query = dict(parse_qsl(urlsplit(url.replace("&${__url_time_range}", "")).query))
            assert query["var-customer"] == customer


# PromQL words that look like metric names but are not.
PROMQL_WORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
     "unless", "offset", "inf", "nan"}
)  # fmt: skip
# Series Prometheus makes itself for every target; /metrics does not carry them.
SYNTHETIC_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not functions, labels or keywords)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[A-Za-z_:][\w:]*", expr):
        if expr[match.end() :].lstrip().startswith("(") or match.group() in PROMQL_WORDS:
            continue
        names.add(match.group())
    return names


def test_metric_names_are_parsed_out_of_promql() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{job="x"}[5m]))) / '
        "on (instance) group_left b_total + sum(rate(c_total[$__rate_interval])) * 1e3"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c_total"}


async def test_prometheus_panels_read_metrics_the_server_exports(grafana: Grafana) -> None:
    """After writes (accepted, stored, one rejected), inserts and queries (ok and failed),
    every metric a health panel names is in the scrape."""
    demo = DemoOptions(url=grafana.base, token=PROBE, account="probe", points=300, days=1)
    await run_demo(demo)
    client = grafana.client
    auth = {"Authorization": f"Bearer {PROBE}"}
    resp = await client.post(
        "/v1/accounts/probe/datasets/usage_indexed_by_customer_id/points",
        json=[{"blobs": ["x"] * 21}],
        headers=auth,
    )
    assert resp.status == 400
    for sql in ("SELECT count() FROM usage_indexed_by_customer_id", "SELECT nope("):
        await client.post("/client/v4/accounts/probe/analytics_engine/sql", data=sql, headers=auth)
    resp = await client.get("/metrics")
    assert resp.status == 200
    exported = {
        sample.name
        for family in text_string_to_metric_families(await resp.text())
        for sample in family.samples
    }
    board = DASHBOARDS["usagehouse-health"]
    for panel in query_panels(board):
        for target in panel["targets"]:
            names = metric_names(target["expr"])
            assert names, f"{panel['title']}: no metric in {target['expr']}"
            missing = names - exported - SYNTHETIC_SERIES
            assert not missing, f"{panel['title']}: {sorted(missing)} not in /metrics"
            for name in names:
                if name.endswith("_bucket"):
                    assert "histogram_quantile" in target["expr"] or target["format"] == "heatmap"
